using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Tasker.Files;

/// <summary>The file names tasks use under <see cref="FilesOptions.Path"/>: exports by task id, uploads by content hash.</summary>
public sealed partial class TaskFiles(IOptions<FilesOptions> options)
{
    private string Root => Path.GetFullPath(options.Value.Path);

    /// <summary>The finished CSV of an export task.</summary>
    public string Export(string taskId) => Under("exports", $"{Checked(taskId, TaskIds.IsWellFormed)}.csv");

    /// <summary>The CSV of an export task while it is being written; renamed to <see cref="Export"/> at the end.</summary>
    public string ExportInProgress(string taskId) => Under("exports", $"{Checked(taskId, TaskIds.IsWellFormed)}.csv.part");

    /// <summary>An uploaded CSV, named by the hash of its content.</summary>
    public string Upload(string uploadId) => Under("uploads", $"{Checked(uploadId, IsUploadId)}.csv");

    /// <summary>A place to receive an upload before its hash is known.</summary>
    public string IncomingUpload() => Under("uploads", $"incoming-{Guid.NewGuid():N}.tmp");

    /// <summary>
    /// Removes uploads that no task can still read (docs/adr/028): an upload is touched when a task is submitted with it and
    /// at every chunk that reads it, and goes with the last task that used it when that task expires; one left untouched
    /// since <paramref name="untouchedSince"/> belongs to no live task (a submission that failed after its file was put in
    /// place). Also removes uploads still being received since <paramref name="incomingSince"/> (a silo that stopped mid-way).
    /// </summary>
    /// <returns>The files removed.</returns>
    public int SweepUploads(DateTimeOffset untouchedSince, DateTimeOffset incomingSince)
    {
        var directory = Path.Combine(Root, "uploads");
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        var removed = 0;
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles())
        {
            var incoming = file.Name.StartsWith("incoming-", StringComparison.Ordinal);
            var stored = file.Extension == ".csv" && IsUploadId(Path.GetFileNameWithoutExtension(file.Name));
            if ((incoming && file.LastWriteTimeUtc < incomingSince.UtcDateTime) || (stored && file.LastWriteTimeUtc < untouchedSince.UtcDateTime))
            {
                file.Delete();
                removed++;
            }
        }

        return removed;
    }

    /// <summary>True for the names <see cref="Upload"/> accepts: 32 lowercase hex digits.</summary>
    public static bool IsUploadId(string uploadId) => UploadIdPattern().IsMatch(uploadId);

    /// <summary>
    /// Creates a file under the files directory for writing, owner-only (<see cref="PrivateFiles"/>): uploads and exports
    /// are users' data, for no other account on the machine.
    /// </summary>
    public static FileStream CreateNew(string path, int bufferSize = 1 << 16, bool useAsync = true) =>
        PrivateFiles.Open(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize, useAsync);

    private string Under(string folder, string name)
    {
        var directory = Path.Combine(Root, folder);
        PrivateFiles.CreateFolder(directory);
        return Path.Combine(directory, name);
    }

    // Names come from ids checked here, so no path can climb out of the directory.
    private static string Checked(string name, Func<string, bool> isValid) =>
        isValid(name) ? name : throw new ArgumentException($"'{name}' is not a valid file id.", nameof(name));

    [GeneratedRegex("^[0-9a-f]{32}\\z")]
    private static partial Regex UploadIdPattern();
}
