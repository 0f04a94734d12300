using System.Globalization;
using System.Net.Http.Json;
using Tasker.Api;

namespace Tasker.Client;

/// <summary>The <c>/schedules</c> resource: recurring schedules that make tasks on a cron or an interval.</summary>
public sealed partial class TaskerClient
{
    /// <summary>Creates or replaces a schedule (<c>PUT /schedules/{id}</c>).</summary>
    /// <returns>The schedule, and whether this call created it (201) rather than replaced it (200).</returns>
    /// <exception cref="TaskerApiException">400 naming a bad field; 409 when the client holds as many schedules as its tier allows.</exception>
    public async Task<(ScheduleView Schedule, bool Created)> PutScheduleAsync(string id, PutScheduleRequest schedule, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, Resolve(SchedulePath(id, null)))
        {
            Content = JsonContent.Create(schedule, options: _json),
        };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemReader.ReadAsync(response, cancellationToken).ConfigureAwait(false);
        }

        var view = await response.Content.ReadFromJsonAsync<ScheduleView>(_json, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The server answered PUT {request.RequestUri} with an empty body.");
        return (view, response.StatusCode == System.Net.HttpStatusCode.Created);
    }

    /// <summary>Lists schedules (<c>GET /schedules</c>): the signed-in user's, one client's, or (an admin's) every user's.</summary>
    public async Task<ScheduleList> ListSchedulesAsync(string? client = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Resolve(client is null ? "schedules" : $"schedules?client={Uri.EscapeDataString(client)}"));
        return await SendAsync<ScheduleList>(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets a schedule (<c>GET /schedules/{id}</c>).</summary>
    /// <exception cref="TaskerApiException">404 when there is none (or it is another user's).</exception>
    public Task<ScheduleView> GetScheduleAsync(string id, string? client = null, CancellationToken cancellationToken = default) =>
        ScheduleCallAsync<ScheduleView>(HttpMethod.Get, id, null, client, null, cancellationToken);

    /// <summary>The next <paramref name="count"/> due times (<c>GET /schedules/{id}/next</c>), in the schedule's time zone.</summary>
    public Task<ScheduleNextView> NextDueAsync(string id, int? count = null, string? client = null, CancellationToken cancellationToken = default) =>
        ScheduleCallAsync<ScheduleNextView>(HttpMethod.Get, id, "next", client, count is { } n ? $"count={n.ToString(CultureInfo.InvariantCulture)}" : null, cancellationToken);

    /// <summary>What the schedule made, newest first (<c>GET /schedules/{id}/runs</c>).</summary>
    public Task<ScheduleRunList> ScheduleRunsAsync(string id, int? limit = null, string? client = null, CancellationToken cancellationToken = default) =>
        ScheduleCallAsync<ScheduleRunList>(HttpMethod.Get, id, "runs", client, limit is { } n ? $"limit={n.ToString(CultureInfo.InvariantCulture)}" : null, cancellationToken);

    /// <summary>Pauses a schedule (<c>POST /schedules/{id}/pause</c>).</summary>
    public Task<ScheduleView> PauseScheduleAsync(string id, string? client = null, CancellationToken cancellationToken = default) =>
        ScheduleCallAsync<ScheduleView>(HttpMethod.Post, id, "pause", client, null, cancellationToken);

    /// <summary>Resumes a schedule (<c>POST /schedules/{id}/resume</c>).</summary>
    public Task<ScheduleView> ResumeScheduleAsync(string id, string? client = null, CancellationToken cancellationToken = default) =>
        ScheduleCallAsync<ScheduleView>(HttpMethod.Post, id, "resume", client, null, cancellationToken);

    /// <summary>Makes the schedule's task now (<c>POST /schedules/{id}/trigger</c>); the run line it made.</summary>
    public Task<ScheduleRunView> TriggerScheduleAsync(string id, string? client = null, CancellationToken cancellationToken = default) =>
        ScheduleCallAsync<ScheduleRunView>(HttpMethod.Post, id, "trigger", client, null, cancellationToken);

    /// <summary>Deletes a schedule (<c>DELETE /schedules/{id}</c>); the tasks it made stay.</summary>
    public async Task DeleteScheduleAsync(string id, string? client = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, Resolve(SchedulePath(id, null, client)));
        await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> ScheduleCallAsync<T>(HttpMethod method, string id, string? verb, string? client, string? query, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, Resolve(SchedulePath(id, verb, client, query)));
        return await SendAsync<T>(request, cancellationToken).ConfigureAwait(false);
    }

    private static string SchedulePath(string id, string? verb, string? client = null, string? query = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var path = $"schedules/{Uri.EscapeDataString(id)}{(verb is null ? "" : "/" + verb)}";
        var parts = new[] { client is null ? null : $"client={Uri.EscapeDataString(client)}", query }.OfType<string>().ToList();
        return parts.Count == 0 ? path : $"{path}?{string.Join('&', parts)}";
    }
}
