using System.ComponentModel.DataAnnotations;

namespace Tasker.Silo.Embedded;

/// <summary>Where an embedded silo keeps its state (<c>Tasker:Embedded</c>, docs/adr/019).</summary>
public sealed class EmbeddedOptions : IValidatableObject
{
    public const string SectionName = "Tasker:Embedded";

    /// <summary>The database file's name inside <see cref="DataPath"/>.</summary>
    public const string FileName = "tasker.db";

    /// <summary><c>sqlite</c> (default): everything in one file, kept across restarts. <c>memory</c>: nothing is kept.</summary>
    public EmbeddedStorage Storage { get; set; } = EmbeddedStorage.Sqlite;

    /// <summary>The folder of the database file, relative to the working directory. Default <c>tasker-data</c>.</summary>
    [Required]
    public string DataPath { get; set; } = "tasker-data";

    /// <summary>The full path of the database file.</summary>
    public string DatabaseFile => Path.GetFullPath(Path.Combine(DataPath, FileName));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Storage))
        {
            yield return new ValidationResult("Tasker:Embedded:Storage must be sqlite or memory.", [nameof(Storage)]);
        }

        if (string.IsNullOrWhiteSpace(DataPath) || DataPath.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            yield return new ValidationResult("Tasker:Embedded:DataPath must name a folder.", [nameof(DataPath)]);
        }
    }
}

/// <summary>The two embedded storages (docs/adr/019).</summary>
public enum EmbeddedStorage
{
    /// <summary>One SQLite file: tasks, results, histories, the data set and the key ring survive a restart.</summary>
    Sqlite,

    /// <summary>In memory: the fastest, and every task is lost when the process stops.</summary>
    Memory,
}
