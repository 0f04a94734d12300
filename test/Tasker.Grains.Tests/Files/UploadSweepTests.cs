using Microsoft.Extensions.Options;
using Tasker.Files;

namespace Tasker.Grains.Tests.Files;

/// <summary>The sweep of uploaded files that no task can read any more.</summary>
public sealed class UploadSweepTests : IDisposable
{
    private static readonly DateTimeOffset _now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"tasker-upload-sweep-{Guid.NewGuid():N}");
    private readonly TaskFiles _files;

    public UploadSweepTests() => _files = new TaskFiles(Options.Create(new FilesOptions { Path = _folder }));

    [Fact]
    public void Untouched_uploads_and_stale_incoming_files_go_while_recent_ones_and_other_files_stay()
    {
        var orphan = Write(_files.Upload(new string('a', 32)), _now.AddDays(-9));
        var inUse = Write(_files.Upload(new string('b', 32)), _now.AddMinutes(-5));
        var staleIncoming = Write(_files.IncomingUpload(), _now.AddHours(-2));
        var receiving = Write(_files.IncomingUpload(), _now.AddSeconds(-10));
        var stranger = Write(Path.Combine(Path.GetDirectoryName(orphan)!, "notes.txt"), _now.AddDays(-30));

        var removed = _files.SweepUploads(untouchedSince: _now.AddDays(-8), incomingSince: _now.AddHours(-1));

        Assert.Equal(2, removed);
        Assert.False(File.Exists(orphan));
        Assert.False(File.Exists(staleIncoming));
        Assert.True(File.Exists(inUse));
        Assert.True(File.Exists(receiving));
        Assert.True(File.Exists(stranger));
    }

    [Fact]
    public void A_sweep_before_any_upload_removes_nothing() =>
        Assert.Equal(0, _files.SweepUploads(_now, _now));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static string Write(string path, DateTimeOffset touched)
    {
        File.WriteAllText(path, "name\n");
        File.SetLastWriteTimeUtc(path, touched.UtcDateTime);
        return path;
    }
}
