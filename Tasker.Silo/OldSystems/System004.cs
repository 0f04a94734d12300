using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Tasker.Shell;
using Tasker.Silo.FrontEnd;

namespace Tasker.Silo.OldSystems;

/// <summary>
/// System 004, the "Task Executor": <c>POST /tasks {"command":"echo hello"}</c>, with no type and no
/// client, is a <c>shell</c> task of <c>Tasker:Shell:DefaultClient</c> (default <c>004</c>). Its other requests are
/// Tasker's own routes unchanged: <c>GET /tasks</c>, <c>GET /tasks/{id}</c>, and the agents' <c>GET /tasks/pick</c>
/// and <c>POST /tasks/{id}/finish</c> (with the agent token). <c>Tasker__OldSystems__004__Enabled=false</c> turns
/// the shape off: a body without a type is then refused as the canonical API refuses it.
/// </summary>
public sealed class System004(IOptions<ShellOptions> shell, IConfiguration configuration) : ITaskRequestShape
{
    private readonly bool _enabled = configuration.GetSection($"{OldSystemOptions.SectionName}:004").Get<OldSystemOptions>()?.Enabled ?? true;

    public bool TryTranslate(JsonElement body, out JsonElement canonical)
    {
        canonical = default;
        if (!_enabled || !body.TryGetProperty("command", out var command) || body.TryGetProperty("type", out _))
        {
            return false;
        }

        var request = new JsonObject
        {
            ["type"] = ShellHandler.TypeName,
            ["params"] = new JsonObject { ["command"] = JsonNode.Parse(command.GetRawText()) },
            ["client"] = shell.Value.DefaultClient,
        };
        foreach (var property in body.EnumerateObject().Where(p => p.Name != "command"))
        {
            request[property.Name] = JsonNode.Parse(property.Value.GetRawText()); // Anything else is checked (and refused) as canonical.
        }

        canonical = JsonSerializer.SerializeToElement(request);
        return true;
    }
}
