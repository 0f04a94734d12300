using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Tasker.Silo.Tests.Security;

/// <summary>
/// docker-compose.yml as shipped, read the way Compose reads it (<c>docker-compose config</c>; no Docker engine is
/// needed): an operator who runs it without setting its secrets is stopped, it publishes nothing beyond 127.0.0.1,
/// and a shell command on an agent cannot reach Redis, PostgreSQL or the silos' Orleans ports.
/// </summary>
public sealed partial class ComposeFileAttackTests
{
    private static readonly Dictionary<string, string> _secrets = new()
    {
        ["TASKER_AGENT_TOKEN"] = "dummy-agent-token-for-the-test",
        ["TASKER_POSTGRES_PASSWORD"] = "dummyPostgresPassword",
        ["TASKER_REDIS_PASSWORD"] = "dummyRedisPassword",
        ["TASKER_RING_KEY"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    };

    private static readonly string _root = RepositoryRoot();

    [Theory]
    [InlineData("TASKER_AGENT_TOKEN")]
    [InlineData("TASKER_POSTGRES_PASSWORD")]
    [InlineData("TASKER_REDIS_PASSWORD")]
    [InlineData("TASKER_RING_KEY")]
    public async Task Compose_refuses_to_start_when_a_secret_is_not_set_naming_it(string missing)
    {
        var (exitCode, _, stderr) = await ConfigAsync(_secrets.Where(s => s.Key != missing).ToDictionary());

        Assert.NotEqual(0, exitCode);
        Assert.Contains(missing, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compose_refuses_to_start_with_no_secret_set_at_all()
    {
        var (exitCode, _, _) = await ConfigAsync(new Dictionary<string, string>());
        Assert.NotEqual(0, exitCode);
    }

    [Fact]
    public async Task By_default_only_nginx_is_published_and_only_on_127_0_0_1()
    {
        var services = await ServicesAsync();

        var published = services.Where(s => s.Value.ContainsKey("ports")).Select(s => s.Key).ToList();
        Assert.Equal(["nginx"], published);
        var ports = (List<object?>)services["nginx"]["ports"]!;
        Assert.NotEmpty(ports);
        Assert.All(ports, port => Assert.Equal("127.0.0.1", HostIp(port)));
    }

    [Fact]
    public async Task The_agents_network_holds_only_agents_and_nginx_so_an_agent_reaches_neither_redis_nor_postgres_nor_a_silo()
    {
        var services = await ServicesAsync();

        Assert.Equal(["agents"], Networks(services["agent"]));
        foreach (var backend in new[] { "redis", "postgres", "silo" })
        {
            Assert.DoesNotContain("agents", Networks(services[backend]));
        }

        Assert.Equal(["agents", "backend"], Networks(services["nginx"]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_secrets_come_from_the_variables_and_redis_requires_its_password()
    {
        var services = await ServicesAsync();

        var silo = (Dictionary<string, object?>)services["silo"]["environment"]!;
        Assert.Equal(_secrets["TASKER_AGENT_TOKEN"], silo["Tasker__Agents__Token"]);
        Assert.Equal(_secrets["TASKER_AGENT_TOKEN"], ((Dictionary<string, object?>)services["agent"]["environment"]!)["TASKER_AGENT_TOKEN"]);
        Assert.Equal(_secrets["TASKER_RING_KEY"], silo["Tasker__Secrets__RingKey"]);
        Assert.Contains($"password={_secrets["TASKER_REDIS_PASSWORD"]}", (string)silo["ConnectionStrings__Redis"]!, StringComparison.Ordinal);
        Assert.Contains($"Password={_secrets["TASKER_POSTGRES_PASSWORD"]};", (string)silo["ConnectionStrings__Postgres"]!, StringComparison.Ordinal);
        Assert.Equal(_secrets["TASKER_REDIS_PASSWORD"], ((Dictionary<string, object?>)services["redis"]["environment"]!)["REDIS_PASSWORD"]);
        Assert.Contains("--requirepass", string.Join(' ', ((List<object?>)services["redis"]["command"]!).Cast<string>()), StringComparison.Ordinal);
        Assert.DoesNotContain("change-me", await File.ReadAllTextAsync(Path.Combine(_root, "docker-compose.yml")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_image_runs_as_a_user_other_than_root()
    {
        var dockerfile = await File.ReadAllLinesAsync(Path.Combine(_root, "Dockerfile"));
        var finalStage = dockerfile.Reverse().TakeWhile(l => !l.StartsWith("FROM ", StringComparison.Ordinal)).Reverse().ToList();
        var user = finalStage.LastOrDefault(l => l.StartsWith("USER ", StringComparison.Ordinal))?["USER ".Length..].Trim();
        Assert.NotNull(user);
        Assert.DoesNotMatch("^(root|0)(:.*)?$", user);
    }

    private static string HostIp(object? port) => port switch
    {
        // docker-compose 1.x writes "127.0.0.1:5000:80/tcp"; 2.x a mapping with host_ip.
        string text => text.Count(c => c == ':') == 2 ? text[..text.IndexOf(':', StringComparison.Ordinal)] : "",
        Dictionary<string, object?> map => map.TryGetValue("host_ip", out var ip) ? (string?)ip ?? "" : "",
        _ => "",
    };

    private static List<string> Networks(Dictionary<string, object?> service) => service.GetValueOrDefault("networks") switch
    {
        Dictionary<string, object?> map => [.. map.Keys],
        List<object?> list => [.. list.Cast<string>()],
        _ => ["default"],
    };

    private static async Task<Dictionary<string, Dictionary<string, object?>>> ServicesAsync()
    {
        var (exitCode, stdout, stderr) = await ConfigAsync(_secrets);
        Assert.True(exitCode == 0, $"docker-compose config failed: {stderr}");
        var document = (Dictionary<string, object?>)ComposeYaml.Parse(stdout)!;
        return ((Dictionary<string, object?>)document["services"]!).ToDictionary(s => s.Key, s => (Dictionary<string, object?>)s.Value!);
    }

    /// <summary><c>docker-compose config</c> with exactly <paramref name="variables"/> of the Tasker ones set, and no .env file.</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> ConfigAsync(IReadOnlyDictionary<string, string> variables)
    {
        var noEnvFile = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo("docker-compose", ["--env-file", noEnvFile, "-f", Path.Combine(_root, "docker-compose.yml"), "config"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = _root,
            };
            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("TASKER_", StringComparison.Ordinal)).ToList())
            {
                start.Environment.Remove(name);
            }

            foreach (var (name, value) in variables)
            {
                start.Environment[name] = value;
            }

            Process? started = null;
            try
            {
                started = Process.Start(start);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                Assert.Fail("docker-compose is not installed (build/test.sh installs it with apt-get)");
            }

            using var process = started!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            File.Delete(noEnvFile);
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "docker-compose.yml")) && File.Exists(Path.Combine(directory.FullName, "Tasker.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("docker-compose.yml not found above the test's directory");
    }

    /// <summary>
    /// Reads the block YAML that <c>docker-compose config</c> writes (mappings, sequences, plain and quoted scalars,
    /// <c>{}</c>, <c>[]</c> and <c>null</c>): enough to ask the normalised file questions without a YAML package.
    /// </summary>
    private static partial class ComposeYaml
    {
        public static object? Parse(string text)
        {
            var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#')).ToList();
            var index = 0;
            return Block(lines, ref index, Indent(lines[0]));
        }

        private static object? Block(List<string> lines, ref int index, int indent)
        {
            if (lines[index].TrimStart().StartsWith("- ", StringComparison.Ordinal) || lines[index].Trim() == "-")
            {
                var list = new List<object?>();
                while (index < lines.Count && Indent(lines[index]) == indent && lines[index].TrimStart().StartsWith('-'))
                {
                    var item = lines[index].TrimStart()[1..].TrimStart();
                    if (item.Length == 0)
                    {
                        index++;
                        list.Add(Block(lines, ref index, Indent(lines[index])));
                    }
                    else if (KeyValue().Match(item) is { Success: true })
                    {
                        // "- key: value" starts a mapping whose keys sit at the item's indentation.
                        lines[index] = new string(' ', indent + 2) + item;
                        list.Add(Block(lines, ref index, indent + 2));
                    }
                    else
                    {
                        index++;
                        list.Add(Scalar(item));
                    }
                }

                return list;
            }

            var map = new Dictionary<string, object?>(StringComparer.Ordinal);
            while (index < lines.Count && Indent(lines[index]) == indent)
            {
                var match = KeyValue().Match(lines[index].Trim());
                if (!match.Success)
                {
                    throw new FormatException($"unexpected line: {lines[index]}");
                }

                index++;
                var key = (string)Scalar(match.Groups["key"].Value)!;
                var value = match.Groups["value"].Value;
                map[key] = value.Length > 0 ? Scalar(value)
                    : index < lines.Count && (Indent(lines[index]) > indent || (Indent(lines[index]) == indent && lines[index].TrimStart().StartsWith('-')))
                        ? Block(lines, ref index, Indent(lines[index]))
                        : null;
            }

            return map;
        }

        private static object? Scalar(string text) => text switch
        {
            "null" or "~" => null,
            "{}" => new Dictionary<string, object?>(),
            "[]" => new List<object?>(),
            _ when text.Length >= 2 && text[0] == '\'' && text[^1] == '\'' => text[1..^1].Replace("''", "'", StringComparison.Ordinal),
            _ when text.Length >= 2 && text[0] == '"' && text[^1] == '"' => Regex.Unescape(text[1..^1]),
            _ => text,
        };

        private static int Indent(string line) => line.Length - line.TrimStart(' ').Length;

        [GeneratedRegex(@"^(?<key>'[^']*'|""[^""]*""|[^\s'""][^:]*?):(?:\s+(?<value>.*))?$", RegexOptions.CultureInvariant)]
        private static partial Regex KeyValue();
    }
}
