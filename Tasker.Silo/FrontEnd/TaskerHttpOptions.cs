using System.ComponentModel.DataAnnotations;

namespace Tasker.Silo.FrontEnd;

/// <summary>
/// Limits and caching of the HTTP front end, bound from <c>Tasker:Http</c> (<c>Tasker__Http__*</c>).
/// </summary>
public sealed class TaskerHttpOptions : IValidatableObject
{
    public const string SectionName = "Tasker:Http";

    /// <summary>Largest request body accepted; larger ones get 413. Default 1 MiB.</summary>
    [Range(1024, 512 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How long a silo trusts its copy of the process table. Default 1 second.</summary>
    public TimeSpan ProcessStatusTtl { get; set; } = TimeSpan.FromSeconds(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ProcessStatusTtl < TimeSpan.Zero || ProcessStatusTtl > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult("Tasker:Http:ProcessStatusTtl must be between 0 and 5 minutes.", [nameof(ProcessStatusTtl)]);
        }
    }
}
