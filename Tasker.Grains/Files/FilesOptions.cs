using System.ComponentModel.DataAnnotations;

namespace Tasker.Files;

/// <summary>Where files that tasks read and produce are kept. Bound from <c>Tasker:Files</c>.</summary>
public sealed class FilesOptions : IValidatableObject
{
    public const string SectionName = "Tasker:Files";

    /// <summary>
    /// The directory for uploads (csv-import) and exports (csv-export). In cluster mode every silo must see the same
    /// directory (a shared volume), because a task may go on, or its file be asked for, on any silo.
    /// Default: tasker-files in the system's temporary directory.
    /// </summary>
    public string Path { get; set; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tasker-files");

    /// <summary>The largest CSV upload, in bytes. Default 200 MiB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 200L * 1024 * 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            yield return new ValidationResult("Tasker:Files:Path must name a directory.", [nameof(Path)]);
        }
    }
}
