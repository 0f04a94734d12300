using System.ComponentModel.DataAnnotations;

namespace Tasker.Silo.Auth;

/// <summary>
/// How failed sign-ins are slowed down and how many password checks run at once (docs/adr/031). Bound from
/// <c>Tasker:Auth:SignIn</c> (<c>Tasker__Auth__SignIn__AddressFailureBurst</c>, ...). Counted per silo.
/// </summary>
public sealed class SignInOptions : IValidatableObject
{
    public const string SectionName = "Tasker:Auth:SignIn";

    /// <summary>
    /// Failed sign-ins (passwords or keys, any user names) one client address may make in a row before its sign-ins
    /// are refused unchecked with 429 and Retry-After. Default 30.
    /// </summary>
    [Range(1, 100_000)]
    public int AddressFailureBurst { get; set; } = 30;

    /// <summary>How many failed sign-ins an address earns back per minute. Default 10 (one every 6 s).</summary>
    [Range(1, 100_000)]
    public int AddressFailuresPerMinute { get; set; } = 10;

    /// <summary>
    /// Failed passwords for one user name, from any addresses, before each sign-in of that name waits
    /// <see cref="UserFailureDelay"/> before it is checked. A user is slowed down, never refused, for others' failures. Default 10.
    /// </summary>
    [Range(1, 100_000)]
    public int UserFailureBurst { get; set; } = 10;

    /// <summary>How many failed passwords a user name earns back per minute. Default 10.</summary>
    [Range(1, 100_000)]
    public int UserFailuresPerMinute { get; set; } = 10;

    /// <summary>How long a sign-in of a user name that failed too often lately waits before it is checked. Default 1 second.</summary>
    public TimeSpan UserFailureDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Password hashes (PBKDF2, slow by design) one silo computes at once. Default: the number of processors.</summary>
    [Range(1, 1024)]
    public int MaxConcurrentPasswordChecks { get; set; } = Environment.ProcessorCount;

    /// <summary>Password checks that may wait for one of those; beyond them a sign-in is refused with 503 and Retry-After. Default 32.</summary>
    [Range(0, 100_000)]
    public int PasswordCheckQueue { get; set; } = 32;

    /// <summary>Addresses, and user names, tracked at most (each); beyond that new ones are not counted until old ones expire. Default 100,000.</summary>
    [Range(10, 10_000_000)]
    public int MaxTracked { get; set; } = 100_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (UserFailureDelay < TimeSpan.Zero || UserFailureDelay > TimeSpan.FromSeconds(10))
        {
            yield return new ValidationResult("Tasker:Auth:SignIn:UserFailureDelay must be between 0 and 10 seconds.", [nameof(UserFailureDelay)]);
        }
    }
}
