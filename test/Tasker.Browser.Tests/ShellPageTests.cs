using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Tasker.Browser.Tests;

/// <summary>Shell tasks and executor agents on the web page: the command and its output, and the agents' panel.</summary>
[Collection(PageCollection.Name)]
public sealed class ShellPageTests(TaskerPageFixture fixture)
{
    private static readonly TimeSpan _long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_shell_task_from_the_form_shows_its_output_as_text_and_the_agent_that_ran_it_is_listed()
    {
        var page = await fixture.OpenPageAsync();
        var id = await page.SubmitAsync("shell", TaskerPageFixture.UniqueClient("shell"), ("command", "echo '<b>hi</b>'"));
        var row = page.TaskRow(id);
        await row.WaitForStatusAsync("queued", _long);

        // The test plays the agent, over the agents' HTTP routes.
        using var agent = fixture.Api();
        agent.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TaskerPageFixture.AgentToken);
        agent.DefaultRequestHeaders.Add("X-Agent-Name", "page-agent-7");
        var picked = await agent.GetFromJsonAsync<JsonElement>($"/tasks/pick?wait=5");
        Assert.Equal(id, picked.GetProperty("id").GetString());
        // The panel refreshes every 5 s.
        await Assertions.Expect(page.Locator("li.agent[data-agent='page-agent-7']")).ToContainTextAsync(id[^8..], new() { Timeout = 15_000 });

        using var finish = await agent.PostAsJsonAsync($"/tasks/{id}/finish", new
        {
            lease = picked.GetProperty("lease").GetString(),
            exitCode = 0,
            stdout = "<b>hi</b>\n",
            stderr = "<img id=\"injected\" src=\"x\" onerror=\"document.body.dataset.pwned=1\">",
        });
        Assert.Equal(HttpStatusCode.OK, finish.StatusCode);
        await row.WaitForStatusAsync("succeeded", _long);
        await Assertions.Expect(row.Locator(".result")).ToContainTextAsync("exit 0 · <b>hi</b>");

        await row.Locator("button[data-action='details']").ClickAsync();
        var details = page.Locator($"tr[data-details-for='{id}'] pre");
        await Assertions.Expect(details).ToContainTextAsync("$ echo '<b>hi</b>'");
        await Assertions.Expect(details).ToContainTextAsync("--- stdout ---");
        await Assertions.Expect(details).ToContainTextAsync("exit code 0 · agent page-agent-7 · attempt 1");
        await Assertions.Expect(page.Locator("#injected")).ToHaveCountAsync(0);
        Assert.Null(await page.Locator("body").GetAttributeAsync("data-pwned"));
        await page.Context.CloseAsync();
    }
}
