using System.Globalization;
using System.Net;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Tasker.Secrets;
using Tasker.Silo.Secrets;
using Tasker.Silo.Tests.Auth;
using Tasker.Testing;

namespace Tasker.Silo.Tests.Security;

/// <summary>
/// The smaller holes, each as the attack: a free-text cache hit that tells user B what user A sent, and what a
/// local account or a copy of the data folder could read.
/// </summary>
[Collection(AuthCollection.Name)]
public sealed class SmallHolesAttackTests(AuthApiFixture api)
{
    [Fact]
    public async Task User_b_sending_the_text_user_a_sent_to_input_learns_nothing_of_a()
    {
        var (alice, alicePassword) = await api.NewUserAsync("plan-a");
        var (bob, bobPassword) = await api.NewUserAsync("plan-b");
        using var a = api.As(alice, alicePassword);
        using var b = api.As(bob, bobPassword);
        var text = $$$"""{"type":"input","params":{"input_param":"secret-plan {{{Guid.NewGuid():N}}}"}}""";

        var (_, sent) = await a.PostJsonAsync("/tasks", text);
        var aliceTask = sent.GetProperty("id").GetString()!;
        await a.WaitForStatusAsync(aliceTask, "succeeded");

        // Bob guesses Alice's text: a cache hit (or anything of hers) in his answer would confirm the guess.
        var (status, probe) = await b.PostJsonAsync("/tasks", text);
        Assert.True(status is HttpStatusCode.OK or HttpStatusCode.Accepted, $"{(int)status}: {probe}");
        Assert.False(probe.TryGetProperty("cached", out var cached) && cached.GetBoolean(), $"bob was told the text was cached: {probe}");
        var bobTask = probe.GetProperty("id").GetString()!;
        Assert.NotEqual(aliceTask, bobTask);
        Assert.Equal(bob, probe.GetProperty("client").GetString());
        Assert.DoesNotContain(aliceTask, probe.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(alice, probe.ToString(), StringComparison.Ordinal);
        var (_, aliceView) = await a.GetJsonAsync($"/tasks/{aliceTask}");
        foreach (var time in aliceView.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String && p.Name.EndsWith("At", StringComparison.Ordinal)))
        {
            Assert.NotEqual(time.Value.GetString(), probe.GetProperty(time.Name).GetString()); // Her times are not his.
        }

        var (_, bobList) = await b.GetJsonAsync("/tasks");
        Assert.Equal([bobTask], bobList.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetString()));

        // The cache still answers Alice's own repeat: keyed per client, not switched off.
        var (_, again) = await a.PostJsonAsync("/tasks", text);
        Assert.True(again.GetProperty("cached").GetBoolean(), again.ToString());
    }
}

/// <summary>What another account on the machine, or whoever copies the data folder, finds of a durable embedded silo.</summary>
public sealed class PrivateDataAttackTests : IDisposable
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyFolder = OwnerOnlyFile | UnixFileMode.UserExecute;

    private readonly string _root = Directory.CreateTempSubdirectory("tasker-private-").FullName;

    private string DataPath => Path.Combine(_root, "data"); // Not there yet: the silo makes it.

    private string FilesPath => Path.Combine(_root, "files");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")] // Unix file modes.
    public async Task Another_local_account_can_read_neither_the_data_folder_nor_the_database_nor_an_exported_csv()
    {
        await using var silo = new DurableSilo(DataPath, FilesPath);
        var http = silo.CreateClient();
        var client = ApiTestExtensions.UniqueClient("private");
        await http.SubmitAsync("sum2", """{"first":1,"second":2}""", client); // Something written: the -wal file exists.
        var export = await http.SubmitAsync("csv-export", """{"from":"2015-06-01","till":"2015-06-30"}""", client);
        await http.WaitForStatusAsync(export, "succeeded", TimeSpan.FromSeconds(60));

        Assert.Equal(OwnerOnlyFolder, Mode(DataPath));
        foreach (var file in new[] { "tasker.db", "tasker.db-wal", "tasker.db-shm", "tasker.db.lock", "tasker.db.pid" })
        {
            Assert.True(File.Exists(Path.Combine(DataPath, file)), file);
            Assert.Equal(OwnerOnlyFile, Mode(Path.Combine(DataPath, file)));
        }

        Assert.Equal(OwnerOnlyFolder, Mode(FilesPath));
        Assert.Equal(OwnerOnlyFolder, Mode(Path.Combine(FilesPath, "exports")));
        Assert.Equal(OwnerOnlyFile, Mode(Path.Combine(FilesPath, "exports", export + ".csv")));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task A_database_file_an_older_build_left_readable_by_all_is_narrowed_at_start()
    {
        Directory.CreateDirectory(DataPath);
        var database = Path.Combine(DataPath, "tasker.db");
        await File.WriteAllBytesAsync(database, []);
        File.SetUnixFileMode(database, OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await using var silo = new DurableSilo(DataPath, FilesPath);
        silo.CreateClient();

        Assert.Equal(OwnerOnlyFile, Mode(database));
    }

    [Fact]
    public async Task A_copy_of_the_database_holds_no_key_of_the_ring_when_a_ring_key_is_set_and_the_ring_opens_after_a_restart()
    {
        var ringKey = RandomNumberGenerator.GetBytes(32);
        string sealedValue;
        await using (var silo = new DurableSilo(DataPath, FilesPath, ringKey))
        {
            silo.CreateClient();
            sealedValue = silo.Services.GetRequiredService<ISecretProtector>().Protect("sk-api-key-of-a-user");
        }

        SqliteConnection.ClearAllPools();
        var rows = RingRows(Path.Combine(DataPath, "tasker.db"));
        Assert.NotEmpty(rows);
        var masterKeys = rows.SelectMany(r => XElement.Parse(r).Descendants("taskerRingKeyEncrypted"))
            .Select(sealedKey => RingKeyXmlEncryptor.Decrypt(ringKey, sealedKey).Descendants("value").Single().Value)
            .ToList();
        Assert.NotEmpty(masterKeys); // Every key's secret is sealed under the ring key...
        var copy = string.Concat(rows) + Encoding.Latin1.GetString(ReadAll(DataPath));
        Assert.DoesNotContain("masterKey", string.Concat(rows), StringComparison.Ordinal);
        Assert.All(masterKeys, key => Assert.DoesNotContain(key, copy, StringComparison.Ordinal)); // ...and found nowhere in the clear.

        await using (var restarted = new DurableSilo(DataPath, FilesPath, ringKey))
        {
            restarted.CreateClient();
            Assert.Equal("sk-api-key-of-a-user", restarted.Services.GetRequiredService<ISecretProtector>().Unprotect(sealedValue));
        }

        SqliteConnection.ClearAllPools();
        await using var otherKey = new DurableSilo(DataPath, FilesPath, RandomNumberGenerator.GetBytes(32));
        otherKey.CreateClient();
        Assert.ThrowsAny<CryptographicException>(() => otherKey.Services.GetRequiredService<ISecretProtector>().Unprotect(sealedValue));
    }

    [UnsupportedOSPlatform("windows")]
    private static UnixFileMode Mode(string path) => File.GetUnixFileMode(path);

    private static List<string> RingRows(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT xml FROM tasker_data_protection_keys";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    /// <summary>Every byte of every file in the folder, as a copy of it would hold them.</summary>
    private static byte[] ReadAll(string folder) =>
        [.. Directory.EnumerateFiles(folder).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)).SelectMany(File.ReadAllBytes)];

    /// <summary>A durable embedded silo on <paramref name="dataPath"/>, its files in <paramref name="filesPath"/>.</summary>
    private sealed class DurableSilo(string dataPath, string filesPath, byte[]? ringKey = null) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseQuickEmbeddedSilo()
                .UseSetting("Tasker:Embedded:Storage", "sqlite")
                .UseSetting("Tasker:Embedded:DataPath", dataPath)
                .UseSetting("Tasker:Files:Path", filesPath)
                .UseSetting("Tasker:DataSet:Rows", "1000");
            if (ringKey is not null)
            {
                builder.UseSetting("Tasker:Secrets:RingKey", Convert.ToBase64String(ringKey));
            }
        }
    }
}
