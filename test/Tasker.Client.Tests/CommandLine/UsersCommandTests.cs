using Tasker.Client.Tests.Agent;

namespace Tasker.Client.Tests.CommandLine;

/// <summary>
/// <c>tasker login</c>, <c>logout</c> and <c>users ...</c> as an operator uses them: the real executable against a
/// real silo with authentication on, its first admin's key from configuration.
/// </summary>
public sealed class UsersCommandTests : IAsyncLifetime
{
    private const string AdminKey = "admin-test-key-0123456789abcdef";
    private readonly SiloProcess _silo = new(new Dictionary<string, string>
    {
        ["Tasker__Auth__Enabled"] = "true",
        ["Tasker__Auth__AdminApiKey"] = AdminKey,
        // Revoking a key takes effect at once, not when the silo's verification cache lets go of it.
        ["Tasker__Auth__CacheTtl"] = "00:00:00",
    });

    private readonly string _home = Directory.CreateTempSubdirectory("tasker-cli-").FullName;

    private string ConfigPath => Path.Combine(_home, "config", "tasker.json");

    public Task InitializeAsync() => _silo.StartAsync();

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        Directory.Delete(_home, recursive: true);
    }

    [Fact]
    public async Task Login_saves_the_key_owner_only_and_an_admin_manages_a_user_and_its_keys()
    {
        var anonymous = await Tasker(["users", "list"]);
        Assert.Equal(2, anonymous.ExitCode);
        Assert.StartsWith("error: 401 ", anonymous.Stderr, StringComparison.Ordinal);

        var wrong = await Tasker(["login", "--api-key-stdin"], stdin: "not-a-key-0123456789abcdef\n");
        Assert.Equal(2, wrong.ExitCode);
        Assert.StartsWith("error: 401 ", wrong.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(ConfigPath));

        var login = await Tasker(["login", "--api-key-stdin"], stdin: AdminKey + "\n");
        Assert.Equal(0, login.ExitCode);
        Assert.DoesNotContain(AdminKey, login.Stdout + login.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(ConfigPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigPath));
        }

        // From here on the saved login signs the admin's commands in.
        var put = await Tasker(["users", "put", "alice", "--tier", "paid", "--roles", "shell", "--password-stdin", "--json"], stdin: "alice-password-1\n");
        Assert.Equal(0, put.ExitCode);
        var alice = put.Json();
        Assert.Equal("paid", alice.GetProperty("tier").GetString());
        Assert.Equal("shell", Assert.Single(alice.GetProperty("roles").EnumerateArray()).GetString());
        Assert.True(alice.GetProperty("hasPassword").GetBoolean());
        Assert.DoesNotContain("alice-password-1", put.Stdout + put.Stderr, StringComparison.Ordinal);

        var made = await Tasker(["users", "key", "create", "alice", "--label", "laptop", "--json"]);
        Assert.Equal(0, made.ExitCode);
        var key = made.Json().GetProperty("key").GetString()!;
        var keyId = made.Json().GetProperty("id").GetString()!;

        // TASKER_API_KEY goes before the saved login: alice submits her own task, and is no admin.
        var asAlice = new Dictionary<string, string> { ["TASKER_API_KEY"] = key };
        var submitted = await Tasker(["submit", "sum2", "--client", "alice", "--param", "first=1", "--param", "second=2", "--wait", "--json"], asAlice);
        Assert.Equal(0, submitted.ExitCode);
        Assert.Equal("3", submitted.Json().GetProperty("result").GetRawText());
        var refused = await Tasker(["users", "list"], asAlice);
        Assert.Equal(2, refused.ExitCode);
        Assert.StartsWith("error: 403 ", refused.Stderr, StringComparison.Ordinal);

        var listed = await Tasker(["users", "list"]);
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains("alice", listed.Stdout, StringComparison.Ordinal);
        Assert.Contains("NAME", listed.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", listed.Stdout, StringComparison.Ordinal);

        var revoked = await Tasker(["users", "key", "delete", "alice", keyId, "--json"]);
        Assert.Equal(0, revoked.ExitCode);
        Assert.Equal(2, (await Tasker(["list", "--client", "alice"], asAlice)).ExitCode);

        Assert.Equal(0, (await Tasker(["users", "delete", "alice"])).ExitCode);
        var gone = await Tasker(["users", "get", "alice"]);
        Assert.Equal(2, gone.ExitCode);
        Assert.StartsWith("error: 404 ", gone.Stderr, StringComparison.Ordinal);

        Assert.Equal(0, (await Tasker(["logout"])).ExitCode);
        Assert.False(File.Exists(ConfigPath));
        Assert.Equal(2, (await Tasker(["users", "list"])).ExitCode);
    }

    [Fact]
    public async Task A_bad_user_field_is_the_servers_problem_naming_it_with_exit_2()
    {
        var run = await Tasker(["users", "put", "bob", "--tier", "platinum"], new Dictionary<string, string> { ["TASKER_API_KEY"] = AdminKey });

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: 400 ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("tier", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_saved_key_is_not_used_for_another_server()
    {
        Assert.Equal(0, (await Tasker(["login", "--api-key-stdin"], stdin: AdminKey + "\n")).ExitCode);

        // The same silo under another name: to tasker, another server, which must not get the saved key.
        var elsewhere = await Tasker(["users", "list", "--url", $"http://localhost:{_silo.HttpPort}"]);

        Assert.Equal(2, elsewhere.ExitCode);
        Assert.StartsWith("error: 401 ", elsewhere.Stderr, StringComparison.Ordinal);
    }

    private Task<TaskerRun> Tasker(string[] args, IReadOnlyDictionary<string, string>? environment = null, string stdin = "")
    {
        var all = new Dictionary<string, string> { ["TASKER_URL"] = _silo.Url, ["TASKER_CONFIG"] = ConfigPath };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        return TaskerRun.StartAsync(args, all, stdin);
    }
}
