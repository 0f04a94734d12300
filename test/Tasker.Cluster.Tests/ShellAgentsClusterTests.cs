using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using Tasker.Client;

namespace Tasker.Cluster.Tests;

/// <summary>Shell tasks in cluster mode: the shell queue and the leases live in PostgreSQL, and survive the loss of a silo.</summary>
[Collection(ServersCollection.Name)]
public sealed class ShellAgentsClusterTests(ClusterServers servers)
{
    private const string Token = "cluster-agent-token-0123456789";

    private static Dictionary<string, string> ShellSettings() => new()
    {
        ["Tasker__Shell__Enabled"] = "true",
        ["Tasker__Agents__Token"] = Token,
        ["Tasker__Shell__LeaseDuration"] = "00:00:05",
        ["Tasker__Shell__SweepInterval"] = "00:00:00.250",
    };

    [Fact]
    public async Task Every_shell_task_ends_succeeded_once_when_a_silo_is_killed_while_agents_drain_the_queue()
    {
        var clusterId = "t" + Guid.NewGuid().ToString("N")[..12];
        await using var doomed = new SiloProcess(servers, clusterId, ShellSettings());
        await using var survivor = new SiloProcess(servers, clusterId, ShellSettings());
        await doomed.StartAsync();
        await survivor.StartAsync();

        // Authentication is on in cluster mode: shell tasks need a user with the shell role.
        const string ShellUser = "cluster-shell", ShellPassword = "cluster-shell-password";
        using (var created = await doomed.Http.PutAsJsonAsync($"/users/{ShellUser}", new { tier = "paid", roles = new[] { "shell" }, password = ShellPassword }))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        var ledger = Path.Combine(Path.GetTempPath(), $"tasker-cluster-ledger-{clusterId}");
        try
        {
            // Half the tasks (and perhaps the queue) live on the doomed silo: task grains are placed where the request lands.
            var ids = new List<string>();
            for (var i = 0; i < 30; i++)
            {
                using var http = new HttpClient { BaseAddress = (i % 2 == 0 ? doomed : survivor).Http.BaseAddress };
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
                    "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ShellUser}:{ShellPassword}")));
                var task = await new TaskerClient(http).SubmitAsync(
                    "shell", new { command = string.Create(CultureInfo.InvariantCulture, $"echo {i} >> {ledger}; sleep 0.2") }, ShellUser);
                ids.Add(task.Id);
            }

            await using var first = new AgentProcess(survivor, "cluster-agent-1");
            await using var second = new AgentProcess(survivor, "cluster-agent-2");
            var reader = new TaskerClient(survivor.Http);
            await Retry.UntilAsync(async () => (await Task.WhenAll(ids.Select(id => reader.GetAsync(id)))).Count(t => t!.IsFinal()), TimeSpan.FromSeconds(60), done => done >= 6);
            await doomed.KillAsync();

            foreach (var id in ids)
            {
                var task = await Retry.UntilAsync(() => reader.GetAsync(id)!, TimeSpan.FromSeconds(120), t => t!.IsFinal());
                Assert.True(task!.Status == "succeeded", $"task {id} ended {task.Status}: {task.Error}\nagents:\n{first.Log}\n{second.Log}");
            }

            // Never lost: every command ran. A command whose report was lost with the silo may have run once more.
            var ran = File.ReadAllLines(ledger).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(Enumerable.Range(0, 30), ran.Distinct().Order());
        }
        finally
        {
            File.Delete(ledger);
        }
    }

    /// <summary>A <c>tasker agent</c> process working against one silo.</summary>
    private sealed class AgentProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _log = new();

        public AgentProcess(SiloProcess silo, string name)
        {
            var assembly = Path.GetFullPath(typeof(AgentProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AgentAssembly").Value!);
            var start = new ProcessStartInfo("dotnet", [assembly, "agent", "--url", $"http://127.0.0.1:{silo.HttpPort}", "--name", name, "--poll-interval", "1s"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["TASKER_AGENT_TOKEN"] = Token;
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, e) => Append(e.Data);
            _process.ErrorDataReceived += (_, e) => Append(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Log
        {
            get
            {
                lock (_log)
                {
                    return _log.ToString();
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            lock (_log)
            {
                if (line is not null && _log.Length < 200_000)
                {
                    _log.AppendLine(line);
                }
            }
        }
    }
}
