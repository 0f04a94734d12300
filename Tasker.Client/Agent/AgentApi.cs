using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tasker.Api;

namespace Tasker.Client.Agent;

/// <summary>The agents' routes of the Tasker server, called with the agent token and the agent's name.</summary>
internal sealed class AgentApi(HttpClient http, Uri server, string token, string name)
{
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly Uri _base = server.AbsoluteUri.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/");

    /// <summary>The next shell task, leased to this agent, waiting up to <paramref name="wait"/> for one; null when none came.</summary>
    public async Task<PickedTaskView?> PickAsync(TimeSpan wait, CancellationToken cancellationToken) =>
        await PickAsync($"tasks/pick?wait={Math.Min(wait.TotalSeconds, 30).ToString("0.###", CultureInfo.InvariantCulture)}", cancellationToken);

    /// <summary>The next queued shell task, leased to this agent while its current command runs; null when none is queued or another agent waits.</summary>
    public async Task<PickedTaskView?> PickAheadAsync(CancellationToken cancellationToken) =>
        await PickAsync("tasks/pick?ahead=true", cancellationToken);

    /// <summary>Renews the lease; the answer says whether the task was cancelled. A 409 (lease lost) is a <see cref="TaskerApiException"/>.</summary>
    public async Task<HeartbeatView> HeartbeatAsync(PickedTaskView task, CancellationToken cancellationToken) =>
        await PostAsync<HeartbeatView>(task.Links.Heartbeat, new LeaseRequest(task.Lease), cancellationToken);

    public async Task<TaskView> FinishAsync(PickedTaskView task, FinishTaskRequest report, CancellationToken cancellationToken) =>
        await PostAsync<TaskView>(task.Links.Finish, report, cancellationToken);

    /// <summary>
    /// Reports and, once the report is stored, takes the next queued task in the same request (null when none is queued);
    /// with <paramref name="ahead"/>, a pick ahead of the task that runs (none when another agent waits).
    /// </summary>
    public async Task<FinishedView> FinishAndPickAsync(PickedTaskView task, FinishTaskRequest report, bool ahead, CancellationToken cancellationToken) =>
        await PostAsync<FinishedView>(task.Links.Finish + (ahead ? "-and-pick?ahead=true" : "-and-pick"), report, cancellationToken);

    public async Task<TaskView> ReleaseAsync(PickedTaskView task, CancellationToken cancellationToken) =>
        await PostAsync<TaskView>(task.Links.Release, new LeaseRequest(task.Lease), cancellationToken);

    private async Task<PickedTaskView?> PickAsync(string route, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, route);
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<PickedTaskView>(_json, cancellationToken)
            ?? throw new JsonException("The pick answered an empty body.");
    }

    private async Task<T> PostAsync<T>(string path, object body, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, path.TrimStart('/'));
        request.Content = JsonContent.Create(body, body.GetType(), options: _json);
        using var response = await http.SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(_json, cancellationToken)
            ?? throw new JsonException($"{path} answered an empty body.");
    }

    private HttpRequestMessage Request(HttpMethod method, string relative)
    {
        var request = new HttpRequestMessage(method, new Uri(_base, relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("X-Agent-Name", name);
        return request;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemReader.ReadAsync(response, cancellationToken);
        }
    }
}
