using System.Text.Json;

namespace Tasker.Handlers;

/// <summary>How handlers write their results and checkpoints: snake_case, as the API's parameters are.</summary>
internal static class HandlerJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
