using Microsoft.Extensions.Options;

namespace Tasker.Clients;

/// <summary>The persisted list of client names.</summary>
[GenerateSerializer, Alias("tasker.ClientDirectoryState")]
public sealed class ClientDirectoryState
{
    [Id(0)] public List<string> Clients { get; set; } = [];
}

/// <summary>
/// The names of clients with a history. Off the hot path: a client registers once, when its history starts;
/// only listings across all clients read it. Capped by <see cref="TaskerOptions.MaxClients"/>.
/// </summary>
public sealed class ClientDirectoryGrain(
    [PersistentState("clients", TaskerStorage.Name)] IPersistentState<ClientDirectoryState> state,
    IOptions<TaskerOptions> options) : Grain, IClientDirectoryGrain
{
    public async Task RegisterAsync(string client)
    {
        var clients = state.State.Clients;
        if (clients.Count >= options.Value.MaxClients || clients.Contains(client, StringComparer.Ordinal))
        {
            return;
        }

        clients.Add(client);
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Clients]);
}
