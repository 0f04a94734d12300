namespace Tasker.Silo.OldSystems;

/// <summary>
/// One old system's settings, bound from <c>Tasker:OldSystems:{number}</c>: e.g.
/// <c>Tasker__OldSystems__001__Enabled=false</c> turns system 001's routes off, and
/// <c>Tasker__OldSystems__002__Client=legacy</c> records 002's requests under the client <c>legacy</c>.
/// </summary>
public sealed class OldSystemOptions
{
    public const string SectionName = "Tasker:OldSystems";

    /// <summary>Whether the system's routes are served. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The client that requests naming none are recorded under (001 and 002 name none), unless a user is signed in.
    /// Default: the system's number (<c>001</c>, <c>002</c>).
    /// </summary>
    public string? Client { get; set; }
}
