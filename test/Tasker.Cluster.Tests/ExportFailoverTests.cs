using System.Diagnostics;
using Tasker.Api;
using Tasker.Client;

namespace Tasker.Cluster.Tests;

/// <summary>A csv-export whose silo is killed mid-file: it goes on elsewhere from its checkpoint and the file comes out whole.</summary>
[Collection(ServersCollection.Name)]
public sealed class ExportFailoverTests(ClusterServers servers) : IDisposable
{
    private static readonly TimeSpan _patience = TimeSpan.FromSeconds(120);
    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("tasker-cluster-files-");

    public void Dispose() => _files.Delete(recursive: true);

    private static long Done(TaskView? task) => task?.Progress?.Done ?? 0;

    [Fact]
    public async Task Export_killed_with_its_silo_completes_from_its_checkpoint_with_no_row_missing_or_twice()
    {
        var clusterId = "t" + Guid.NewGuid().ToString("N")[..12];
        var shared = new Dictionary<string, string> { ["Tasker__Files__Path"] = _files.FullName };
        await using var doomed = new SiloProcess(servers, clusterId, shared);
        await using var survivor = new SiloProcess(servers, clusterId, shared);
        await doomed.StartAsync();
        await survivor.StartAsync();

        // Small chunks make the whole data set a thousand checkpoints long, so the kill lands mid-file.
        var viaDoomed = new TaskerClient(doomed.Http);
        var export = await viaDoomed.SubmitAsync("csv-export", new { from = "2010-01-01", till = "2019-12-31", chunk_rows = 100 }, "export-failover");
        var beforeKill = await Retry.UntilAsync(() => viaDoomed.GetAsync(export.Id)!, _patience, t => Done(t) >= 5_000);
        Assert.Equal("running", beforeKill!.Status);
        await doomed.KillAsync();
        var killedAt = Stopwatch.StartNew();

        var viaSurvivor = new TaskerClient(survivor.Http);
        var finished = await Retry.UntilAsync(() => viaSurvivor.GetAsync(export.Id)!, _patience, t => t!.IsFinal());
        Assert.True(finished!.Status == "succeeded", $"the export ended {finished.Status}: {finished.Error}\n{survivor.Log}");
        Assert.True(Done(finished) >= Done(beforeKill));
        Assert.True(killedAt.Elapsed < _patience);

        // The same range exported again without interruption, on the survivor: the same rows in the same order.
        var reference = await viaSurvivor.SubmitAsync("csv-export", new { from = "2010-01-01", till = "2019-12-31" }, "export-failover");
        Assert.Equal("succeeded", (await viaSurvivor.WaitAsync(reference.Id, _patience)).Status);

        var resumed = await DownloadAsync(survivor.Http, export.Id);
        var whole = await DownloadAsync(survivor.Http, reference.Id);
        Assert.Equal(whole.Length, resumed.Length);
        Assert.Equal(resumed.Length - 1, finished.Progress!.Done);
        Assert.Equal(resumed.Length, resumed.Distinct(StringComparer.Ordinal).Count());
        Assert.True(whole.SequenceEqual(resumed, StringComparer.Ordinal), "the resumed export differs from an uninterrupted one");
    }

    private static async Task<string[]> DownloadAsync(HttpClient http, string id)
    {
        var text = await http.GetStringAsync(new Uri($"/tasks/{id}/file", UriKind.Relative));
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
