using System.Net;
using System.Text;
using Tasker.Api;
using Tasker.Client;

namespace Tasker.Cluster.Tests;

/// <summary>
/// The durable embedded mode (docs/adr/019), as a user runs it: a real silo process on a SQLite file, stopped with
/// SIGTERM or killed with kill -9, then started again on the same file.
/// </summary>
public sealed class EmbeddedRestartTests : IDisposable
{
    private static readonly TimeSpan _patience = TimeSpan.FromSeconds(60);

    private readonly string _dataPath = Directory.CreateTempSubdirectory("tasker-embedded-").FullName;

    public void Dispose() => Directory.Delete(_dataPath, recursive: true);

    [Theory]
    [InlineData("SIGTERM")]
    [InlineData("kill -9")]
    public async Task After_a_restart_on_the_same_file_every_acknowledged_task_is_there_a_count_goes_on_from_its_checkpoint_a_paused_one_stays_paused_and_a_suspended_process_stays_suspended(string stop)
    {
        string shortId, countId, pausedId;
        long checkpoint;
        await using (var first = SiloProcess.Embedded(_dataPath))
        {
            await first.StartAsync();
            var api = new TaskerClient(first.Http);
            shortId = (await api.SubmitAsync("sum2", new { first = 20, second = 22 }, "restart")).Id;
            countId = (await api.SubmitAsync("count", new { to = 150, delay_ms = 40 }, "restart")).Id;
            pausedId = (await api.SubmitAsync("count", new { to = 151, delay_ms = 40 }, "restart")).Id;
            await Retry.UntilAsync(() => api.GetAsync(pausedId)!, _patience, t => (t!.Progress?.Done ?? 0) >= 5);
            await api.PauseAsync(pausedId);
            var suspended = await first.Http.PutAsync("/processes/mult3",
                new StringContent("""{"status":"suspended","reason":"restart test"}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
            checkpoint = (await Retry.UntilAsync(() => api.GetAsync(countId)!, _patience, t => (t!.Progress?.Done ?? 0) >= 20))!.Progress!.Done;

            if (stop == "SIGTERM")
            {
                await first.StopAsync();
            }
            else
            {
                await first.KillAsync();
            }
        }

        await using var second = SiloProcess.Embedded(_dataPath);
        await second.StartAsync();
        var again = new TaskerClient(second.Http);

        var sum = await again.GetAsync(shortId);
        Assert.Equal("succeeded", sum!.Status);
        Assert.Equal(42, sum.Result!.Value.GetInt32());

        // The count goes on from a stored checkpoint (not from 0) by itself, without any call to it, and succeeds.
        var resumedAt = (await again.ListAsync(client: "restart")).Items.Single(t => t.Id == countId).Progress?.Done ?? 0;
        Assert.True(resumedAt >= checkpoint - 10, $"the count's line says {resumedAt} after the restart; it had passed {checkpoint}");
        var count = await Retry.UntilAsync(() => again.GetAsync(countId)!, _patience, t => t!.Status != "running");
        Assert.Equal("succeeded", count!.Status);
        Assert.Equal(150, count.Result!.Value.GetInt32());

        var paused = await again.GetAsync(pausedId);
        Assert.Equal("paused", paused!.Status);
        await Task.Delay(1500);
        Assert.Equal(paused.Progress!.Done, (await again.GetAsync(pausedId))!.Progress!.Done);

        var listed = (await again.ListAsync(client: "restart")).Items.ToDictionary(t => t.Id, t => t.Status);
        Assert.Equal("succeeded", listed[shortId]);
        Assert.Equal("succeeded", listed[countId]);
        Assert.Equal("paused", listed[pausedId]);

        using var refused = await second.Http.PostAsync("/tasks",
            new StringContent("""{"type":"mult3","params":{"first":1,"second":2,"third":3},"client":"restart"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("suspended", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tasks_that_fell_due_while_the_silo_was_down_start_once_it_is_up_and_later_ones_wait_for_their_time()
    {
        string overdueId, laterId, cancelledId;
        DateTimeOffset laterAt;
        await using (var first = SiloProcess.Embedded(_dataPath))
        {
            await first.StartAsync();
            overdueId = await SubmitLaterAsync(first, "PT2S");
            laterId = await SubmitLaterAsync(first, "PT40S");
            cancelledId = await SubmitLaterAsync(first, "PT2S");
            Assert.Equal(HttpStatusCode.OK, (await first.Http.PostAsync($"/tasks/{cancelledId}/cancel", null)).StatusCode);
            laterAt = (await new TaskerClient(first.Http).GetAsync(laterId))!.RunAt!.Value;
            await first.KillAsync();
        }

        await Task.Delay(TimeSpan.FromSeconds(3)); // The first falls due while nothing runs.
        await using var second = SiloProcess.Embedded(_dataPath);
        await second.StartAsync();
        var api = new TaskerClient(second.Http);

        var overdue = await Retry.UntilAsync(() => api.GetAsync(overdueId)!, _patience, t => t!.Status == "succeeded");
        Assert.Equal("succeeded", overdue!.Status);
        Assert.Equal("scheduled", (await api.GetAsync(laterId))!.Status);
        Assert.Equal("cancelled", (await api.GetAsync(cancelledId))!.Status);
        Assert.True(DateTimeOffset.UtcNow < laterAt, "the test was too slow to see the later task wait");
    }

    [Fact]
    public async Task A_restart_between_two_attempts_loses_no_attempt_and_adds_none()
    {
        await using var chat = await Tasker.Testing.FakeChatServer.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["Tasker__Chat__BaseUrl"] = chat.BaseUrl.ToString(),
            ["Tasker__Chat__MaxRetries"] = "0", // One call per attempt, so that the fake's count is the attempts' count.
        };
        string id;
        chat.FailNext(1);
        await using (var first = SiloProcess.Embedded(_dataPath, settings))
        {
            await first.StartAsync();
            using var response = await first.Http.PostAsync("/tasks", new StringContent(
                $$$"""{"type":"chat","params":{"question":"again?","api_key":"{{{Tasker.Testing.FakeChatServer.ValidKey}}}"},"client":"restart","retry":{"max_attempts":3,"backoff":"fixed","initial_delay":"PT6S","jitter":0}}""",
                Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            id = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
            var waiting = await Retry.UntilAsync(() => new TaskerClient(first.Http).GetAsync(id)!, _patience, t => t!.Status == "scheduled");
            Assert.Equal(2, waiting!.Attempt);
            await first.KillAsync(); // Between the failed first attempt and the second's due time.
        }

        Assert.Equal(1, chat.Requests);
        await Task.Delay(TimeSpan.FromSeconds(6)); // The second attempt falls due while nothing runs.
        await using var second = SiloProcess.Embedded(_dataPath, settings);
        await second.StartAsync();

        var ended = await Retry.UntilAsync(() => new TaskerClient(second.Http).GetAsync(id)!, _patience, t => t!.Status is "succeeded" or "failed");
        Assert.Equal("succeeded", ended!.Status);
        Assert.Equal(2, ended.Attempt);
        Assert.Equal(1, Assert.Single(ended.FailedAttempts!).Attempt);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(2, chat.Requests);
    }

    private static async Task<string> SubmitLaterAsync(SiloProcess silo, string delay)
    {
        using var response = await silo.Http.PostAsync("/tasks", new StringContent(
            $$"""{"type":"sum2","params":{"first":{{Random.Shared.Next()}},"second":1},"client":"restart","delay":"{{delay}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var task = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("scheduled", task.GetProperty("status").GetString());
        return task.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task A_second_silo_on_the_same_file_refuses_to_start_naming_the_file_and_the_process_that_holds_it()
    {
        await using var first = SiloProcess.Embedded(_dataPath);
        await first.StartAsync();

        await using var second = SiloProcess.Embedded(_dataPath);
        var exitCode = await second.StartExpectingExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains(Path.Combine(_dataPath, "tasker.db"), second.Log, StringComparison.Ordinal);
        Assert.Contains($"in use by another Tasker silo (process {first.ProcessId})", second.Log, StringComparison.Ordinal);
    }
}
