using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Tasker.Client.CommandLine;

namespace Tasker.Client.Tests.Agent;

/// <summary>
/// The agents' routes, scripted, for a <c>tasker agent</c> run in this process (<see cref="Cli.RunAsync(string[], TextWriter, TextWriter, HttpClient?, CancellationToken)"/>):
/// a queue of commands, each a task named by its id, and every call and report the agent made.
/// </summary>
public sealed class ScriptedAgentServer(bool pickOnFinish, params (string Id, string Command)[] tasks) : HttpMessageHandler
{
    private readonly ConcurrentQueue<(string Id, string Command)> _queue = new(tasks);
    private readonly ConcurrentQueue<string> _calls = new();
    private readonly ConcurrentDictionary<string, JsonElement> _reports = new();
    private readonly ConcurrentQueue<string> _finished = new();

    /// <summary>Called with a task's id when its report arrives, before the answer.</summary>
    public Action<string>? OnFinish { get; init; }

    /// <summary>Each call: "pick", or the route's last part and the task id ("finish-and-pick a1"); " ahead" after a pick ahead.</summary>
    public IReadOnlyList<string> Calls => [.. _calls];

    /// <summary>The tasks reported, in order.</summary>
    public IReadOnlyList<string> Finished => [.. _finished];

    /// <summary>A task's finish report as the agent sent it.</summary>
    public JsonElement Report(string id) => _reports[id];

    /// <summary>Runs an agent in this process against this server until <paramref name="done"/> or the agent stops; its exit code and log.</summary>
    public async Task<(int ExitCode, string Log)> RunAgentAsync(string tokenFile, Func<bool> done, CancellationTokenSource? stopping = null)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var http = new HttpClient(this, disposeHandler: false) { BaseAddress = new Uri("http://scripted-agent-server/") };
        using var own = stopping is null ? new CancellationTokenSource() : null;
        var stop = stopping ?? own!;
        var run = Cli.RunAsync(["agent", "--token-file", tokenFile, "--name", "scripted", "--poll-interval", "200ms"], stdout, stderr, http, stop.Token);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!done() && !run.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        var exitCode = await run.WaitAsync(TimeSpan.FromSeconds(30));
        return (exitCode, stderr.ToString());
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var ahead = request.RequestUri.Query.Contains("ahead=true", StringComparison.Ordinal) ? " ahead" : "";
        if (path is ["tasks", "pick"])
        {
            _calls.Enqueue("pick" + ahead);
            if (Next() is { } picked)
            {
                return Json(picked);
            }

            await Task.Delay(50, cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.NoContent);
        }

        var (id, verb) = (path[1], path[2]);
        _calls.Enqueue($"{verb} {id}{ahead}");
        if (verb is "finish" or "finish-and-pick" && (verb == "finish" || pickOnFinish))
        {
            _reports[id] = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken)).RootElement.Clone();
            _finished.Enqueue(id);
            OnFinish?.Invoke(id);
            return verb == "finish" ? Json(TaskView(id)) : Json(new { task = TaskView(id), next = Next() });
        }

        if (verb == "heartbeat")
        {
            // As the server answers a holder of the lease: a command slower than the first beat (a loaded machine) goes on.
            return Json(new { id, status = "running", cancel = false, leaseExpiresAt = DateTimeOffset.UtcNow.AddSeconds(30) });
        }

        return verb == "release"
            ? Json(TaskView(id))
            : Problem(HttpStatusCode.NotFound, $"There is nothing at {request.RequestUri.AbsolutePath}."); // As a server without the route answers.
    }

    private object? Next() => _queue.TryDequeue(out var task)
        ? new
        {
            id = task.Id,
            command = task.Command,
            timeoutSeconds = 60,
            lease = $"1-{task.Id}",
            leaseExpiresAt = DateTimeOffset.UtcNow.AddSeconds(30),
            heartbeatSeconds = 10,
            attempt = 1,
            client = "scripted",
            outputCapBytes = 65536,
            links = new { heartbeat = $"/tasks/{task.Id}/heartbeat", finish = $"/tasks/{task.Id}/finish", release = $"/tasks/{task.Id}/release" },
        }
        : null;

    private static object TaskView(string id) => new { id, type = "shell", client = "scripted", status = "succeeded", priority = "normal" };

    private static HttpResponseMessage Json(object? body) =>
        new(HttpStatusCode.OK) { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") };

    private static HttpResponseMessage Problem(HttpStatusCode status, string detail) =>
        new(status)
        {
            Content = new StringContent(JsonSerializer.Serialize(new { title = "Not found", status = (int)status, code = "not-found", detail }), Encoding.UTF8, "application/problem+json"),
        };
}
