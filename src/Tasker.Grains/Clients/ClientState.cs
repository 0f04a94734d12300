namespace Tasker.Clients;

/// <summary>The persisted history of one client: newest first, at most <see cref="TaskerOptions.MaxHistoryPerClient"/> lines.</summary>
[GenerateSerializer, Alias("tasker.ClientState")]
public sealed class ClientState
{
    [Id(0)] public List<ClientTaskEntry> Entries { get; set; } = [];
    /// <summary>Every task ever recorded, trimmed or not.</summary>
    [Id(1)] public long TotalRecorded { get; set; }
    [Id(2)] public bool Registered { get; set; }
}
