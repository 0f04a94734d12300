namespace Tasker.Caching;

/// <summary>The persisted state of one result-cache entry.</summary>
[GenerateSerializer, Alias("tasker.ResultCacheState")]
public sealed class ResultCacheState
{
    [Id(0)] public string? Key { get; set; }
    [Id(1)] public string? ResultJson { get; set; }
    [Id(2)] public DateTimeOffset StoredAt { get; set; }
    /// <summary>The task computing this result now (long types), if any.</summary>
    [Id(3)] public string? LeaderId { get; set; }
    /// <summary>Tasks waiting for the leader; capped by <see cref="TaskerOptions.MaxCacheFollowers"/>.</summary>
    [Id(4)] public List<string> Followers { get; set; } = [];
    /// <summary>The task whose computation stored <see cref="ResultJson"/>: the entry expires with it (docs/adr/020).</summary>
    [Id(5)] public string? ComputedBy { get; set; }
}
