using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tasker.Api;

namespace Tasker.Client;

/// <summary>
/// A typed client for the Tasker HTTP API. It wraps an <see cref="HttpClient"/> whose
/// <see cref="HttpClient.BaseAddress"/> is the Tasker server (e.g. <c>http://127.0.0.1:5000</c>); the caller owns
/// that client's lifetime. Every error response becomes a <see cref="TaskerApiException"/>.
/// </summary>
public sealed partial class TaskerClient
{
    /// <summary>The longest wait the server grants to one long-poll call.</summary>
    public static readonly TimeSpan MaxPollWait = TimeSpan.FromSeconds(25);

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient _http;
    private readonly Uri _baseAddress;

    /// <summary>Creates a client on <paramref name="http"/>, which must have a base address.</summary>
    /// <exception cref="ArgumentException"><paramref name="http"/> has no base address.</exception>
    public TaskerClient(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var baseAddress = http.BaseAddress ?? throw new ArgumentException("The HttpClient needs a BaseAddress: the Tasker server's URL.", nameof(http));
        _http = http;
        // With a trailing slash, relative paths resolve under a base path (http://host/tasker/) instead of replacing it.
        _baseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
    }

    /// <summary>
    /// Submits a task (<c>POST /tasks</c>). The answer is the task as just queued, or, when the result cache
    /// answered, a task that has already succeeded with <see cref="TaskView.Cached"/> set.
    /// </summary>
    /// <param name="type">The task type, e.g. <c>sum2</c>.</param>
    /// <param name="parameters">The type's parameters as a JSON object, e.g. <c>{"first":1,"second":2}</c>.</param>
    /// <param name="client">The client the task belongs to (1–64 letters, digits, <c>_ . @ -</c>).</param>
    /// <param name="priority">The queue to ask for; the server's default (normal) when null.</param>
    /// <param name="idempotencyKey">
    /// Sent as the <c>Idempotency-Key</c> header: a retried submission with the same key and client returns the
    /// first task instead of creating a second one.
    /// </param>
    /// <param name="runAt">When to run the task; it is <c>scheduled</c> until then. Null to start at once.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="TaskerApiException">The server refused the task, e.g. 400 for bad fields, 409 for a suspended process.</exception>
    public async Task<TaskView> SubmitAsync(
        string type,
        JsonElement parameters,
        string client,
        TaskPriority? priority = null,
        string? idempotencyKey = null,
        DateTimeOffset? runAt = null,
        CancellationToken cancellationToken = default)
    {
        return await SubmitAsync(new SubmitTaskRequest(type, parameters, client, priority?.ToWire(), runAt), idempotencyKey, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Submits a task as <paramref name="body"/> says (<c>POST /tasks</c>), with what the shorter overloads leave out, such
    /// as a <see cref="SubmitTaskRequest.Callback"/>.
    /// </summary>
    /// <exception cref="TaskerApiException">The server refused the task, e.g. 400 for bad fields, 409 for a suspended process.</exception>
    public async Task<TaskView> SubmitAsync(SubmitTaskRequest body, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, Resolve("tasks"))
        {
            Content = JsonContent.Create(body, options: _json),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await SendAsync<TaskView>(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Submits a task whose parameters are any object that serializes to a JSON object, such as an anonymous
    /// object (<c>new { first = 1, second = 2 }</c>) or a dictionary. See the <see cref="JsonElement"/> overload.
    /// </summary>
    /// <exception cref="TaskerApiException">The server refused the task.</exception>
    public Task<TaskView> SubmitAsync(
        string type,
        object parameters,
        string client,
        TaskPriority? priority = null,
        string? idempotencyKey = null,
        DateTimeOffset? runAt = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var element = parameters as JsonElement? ?? JsonSerializer.SerializeToElement(parameters, parameters.GetType(), _json);
        return SubmitAsync(type, element, client, priority, idempotencyKey, runAt, cancellationToken);
    }

    /// <summary>
    /// Submits up to 1,000 tasks in one request (<c>POST /tasks/batch</c>). Each item is submitted as
    /// <see cref="SubmitAsync(string, JsonElement, string, TaskPriority?, string?, DateTimeOffset?, CancellationToken)"/> would submit it; the answer
    /// holds one result per item in the order sent, with the task or the problem: one refused item does not sink the others.
    /// </summary>
    /// <exception cref="TaskerApiException">The batch itself was refused (not a JSON array, empty, too large, rate-limited).</exception>
    public async Task<BatchResult> SubmitBatchAsync(IEnumerable<BatchItemRequest> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        using var request = new HttpRequestMessage(HttpMethod.Post, Resolve("tasks/batch"))
        {
            Content = JsonContent.Create(items.ToList(), options: _json),
        };
        return await SendAsync<BatchResult>(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets a task (<c>GET /tasks/{id}</c>); null when there is no task with that id.</summary>
    /// <exception cref="TaskerApiException">The server answered with an error other than 404.</exception>
    public async Task<TaskView?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Resolve(TaskPath(id)));
        try
        {
            return await SendAsync<TaskView>(request, cancellationToken).ConfigureAwait(false);
        }
        catch (TaskerApiException exception) when (exception.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Waits until a task ends (succeeded, failed or cancelled) and returns it as it ended. Uses the server's
    /// long poll (<c>GET /tasks/{id}?after={version}&amp;timeout={seconds}</c>), so each change is seen as it
    /// happens and nothing is polled at a fixed interval.
    /// </summary>
    /// <param name="id">The task's id.</param>
    /// <param name="timeout">How long to wait in all; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <param name="progress">Told of the task as first seen and then of every change (status, progress), the final one included.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="TaskerApiException">The task does not exist (404), or the server answered with another error.</exception>
    /// <exception cref="TimeoutException">The task had not ended when <paramref name="timeout"/> passed.</exception>
    public async Task<TaskView> WaitAsync(string id, TimeSpan timeout, IProgress<TaskView>? progress = null, CancellationToken cancellationToken = default)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be zero or more, or infinite.");
        }

        var clock = Stopwatch.StartNew();
        using var first = new HttpRequestMessage(HttpMethod.Get, Resolve(TaskPath(id)));
        var task = await SendAsync<TaskView>(first, cancellationToken).ConfigureAwait(false);
        progress?.Report(task);

        while (!task.IsFinal())
        {
            var remaining = timeout == Timeout.InfiniteTimeSpan ? MaxPollWait : timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Task {id} is still {task.Status} after {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
            }

            var seconds = Math.Min(remaining.TotalSeconds, MaxPollWait.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture);
            var path = $"{TaskPath(id)}?after={task.Version.ToString(CultureInfo.InvariantCulture)}&timeout={seconds}";
            using var poll = new HttpRequestMessage(HttpMethod.Get, Resolve(path));
            var next = await SendAsync<TaskView>(poll, cancellationToken).ConfigureAwait(false);
            if (next.Version != task.Version || next.Status != task.Status)
            {
                task = next;
                progress?.Report(task);
            }
        }

        return task;
    }

    /// <summary>Lists tasks newest first (<c>GET /tasks</c>), one page at a time.</summary>
    /// <param name="client">Only this client's tasks; every client's when null.</param>
    /// <param name="type">Only tasks of this type.</param>
    /// <param name="status">Only tasks in this phase.</param>
    /// <param name="limit">The page size (1–500; the server's default is 50).</param>
    /// <param name="cursor">The <see cref="TaskPage.Next"/> of the previous page, to get the page after it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="TaskerApiException">A filter or paging value was refused (400).</exception>
    public async Task<TaskPage> ListAsync(
        string? client = null,
        string? type = null,
        TaskPhase? status = null,
        int? limit = null,
        string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        var query = new StringBuilder("tasks");
        var separator = '?';
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                query.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
                separator = '&';
            }
        }

        Add("client", client);
        Add("type", type);
        Add("status", status?.ToWire());
        Add("limit", limit?.ToString(CultureInfo.InvariantCulture));
        Add("cursor", cursor);

        using var request = new HttpRequestMessage(HttpMethod.Get, Resolve(query.ToString()));
        return await SendAsync<TaskPage>(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Pauses a running task at its next chunk boundary (<c>POST /tasks/{id}/pause</c>).</summary>
    /// <exception cref="TaskerApiException">404 for an unknown task; 409 when the task is not running.</exception>
    public Task<TaskView> PauseAsync(string id, CancellationToken cancellationToken = default) =>
        CommandAsync(id, "pause", cancellationToken);

    /// <summary>Resumes a paused task from its checkpoint (<c>POST /tasks/{id}/resume</c>).</summary>
    /// <exception cref="TaskerApiException">404 for an unknown task; 409 when the task is not paused.</exception>
    public Task<TaskView> ResumeAsync(string id, CancellationToken cancellationToken = default) =>
        CommandAsync(id, "resume", cancellationToken);

    /// <summary>Cancels a task that has not ended (<c>POST /tasks/{id}/cancel</c>).</summary>
    /// <exception cref="TaskerApiException">404 for an unknown task; 409 when the task has already ended.</exception>
    public Task<TaskView> CancelAsync(string id, CancellationToken cancellationToken = default) =>
        CommandAsync(id, "cancel", cancellationToken);

    /// <summary>Starts a scheduled task now instead of at its time (<c>POST /tasks/{id}/run-now</c>).</summary>
    /// <exception cref="TaskerApiException">404 for an unknown task; 409 when the task is not scheduled.</exception>
    public Task<TaskView> RunNowAsync(string id, CancellationToken cancellationToken = default) =>
        CommandAsync(id, "run-now", cancellationToken);

    private async Task<TaskView> CommandAsync(string id, string command, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Resolve($"{TaskPath(id)}/{command}"));
        return await SendAsync<TaskView>(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists the users (<c>GET /users</c>; admins only).</summary>
    /// <exception cref="TaskerApiException">401 without credentials, 403 for a non-admin.</exception>
    public async Task<IReadOnlyList<UserView>> ListUsersAsync(CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Resolve("users"));
        return await SendAsync<List<UserView>>(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets a user (<c>GET /users/{name}</c>; admins only).</summary>
    /// <exception cref="TaskerApiException">404 for an unknown user; 401, 403.</exception>
    public async Task<UserView> GetUserAsync(string name, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Resolve(UserPath(name)));
        return await SendAsync<UserView>(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates or updates a user (<c>PUT /users/{name}</c>; admins only). Null fields keep what the user has
    /// (a new user: the server's default tier, no roles, no password).
    /// </summary>
    /// <exception cref="TaskerApiException">400 naming a bad field (tier, roles, password); 401, 403.</exception>
    public async Task<UserView> PutUserAsync(string name, PutUserRequest user, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, Resolve(UserPath(name)))
        {
            Content = JsonContent.Create(user, options: _json),
        };
        return await SendAsync<UserView>(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a user and revokes its keys (<c>DELETE /users/{name}</c>; admins only).</summary>
    /// <exception cref="TaskerApiException">404 for an unknown user; 401, 403.</exception>
    public async Task DeleteUserAsync(string name, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, Resolve(UserPath(name)));
        await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes an API key for a user (<c>POST /users/{name}/keys</c>; admins only). The answer is the only place the key is ever shown.</summary>
    /// <exception cref="TaskerApiException">404 for an unknown user; 409 when it has too many keys; 401, 403.</exception>
    public async Task<NewApiKeyView> CreateKeyAsync(string name, string? label = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Resolve($"{UserPath(name)}/keys"))
        {
            Content = label is null ? null : JsonContent.Create(new NewApiKeyRequest(label), options: _json),
        };
        return await SendAsync<NewApiKeyView>(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Revokes one of a user's API keys (<c>DELETE /users/{name}/keys/{keyId}</c>; admins only).</summary>
    /// <exception cref="TaskerApiException">404 for an unknown user or key; 401, 403.</exception>
    public async Task DeleteKeyAsync(string name, string keyId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        using var request = new HttpRequestMessage(HttpMethod.Delete, Resolve($"{UserPath(name)}/keys/{Uri.EscapeDataString(keyId)}"));
        await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static string UserPath(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return $"users/{Uri.EscapeDataString(name)}";
    }

    private static string TaskPath(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return $"tasks/{Uri.EscapeDataString(id)}";
    }

    private Uri Resolve(string relative) => new(_baseAddress, relative);

    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemReader.ReadAsync(response, cancellationToken).ConfigureAwait(false);
        }

        return await response.Content.ReadFromJsonAsync<T>(_json, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The server answered {request.Method} {request.RequestUri} with an empty body.");
    }

    private async Task SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemReader.ReadAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }
}
