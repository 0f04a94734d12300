using System.Globalization;
using Microsoft.Playwright;

namespace Tasker.Browser.Tests;

/// <summary>What a person does on the page, in the page's own terms: the form, a task's row, a process.</summary>
public static class PageDriver
{
    /// <summary>Chooses a type in the submit form, fills its fields and submits; returns the new task's id.</summary>
    public static async Task<string> SubmitAsync(this IPage page, string type, string client, params (string Field, string Value)[] fields)
    {
        if (await page.Locator("#submit-type").InputValueAsync() != type)
        {
            await page.Locator("#submit-type").SelectOptionAsync(type);  // redraws the fields of the type
        }

        await page.Locator("#submit-client").FillAsync(client);
        foreach (var (field, value) in fields)
        {
            await page.Locator($"#param-{field}").FillAsync(value);
        }

        var message = page.Locator("#submit-message");
        var previous = await message.GetAttributeAsync("data-submitted-id");
        await page.Locator("#submit-button").ClickAsync();
        await Eventually(async () =>
        {
            var id = await message.GetAttributeAsync("data-submitted-id");
            return id is not null && id != previous;
        }, TimeSpan.FromSeconds(10), async () => $"no task was submitted; the form says: {await message.TextContentAsync()}");
        return (await message.GetAttributeAsync("data-submitted-id"))!;
    }

    public static ILocator TaskRow(this IPage page, string id) => page.Locator($"tr.task[data-task-id='{id}']");

    public static ILocator ProcessItem(this IPage page, string type) => page.Locator($"li.process[data-process='{type}']");

    public static async Task<string> StatusAsync(this ILocator row) => (await row.Locator(".status").TextContentAsync())!.Trim();

    /// <summary>The row's progress bar as a percentage (its aria-valuenow).</summary>
    public static async Task<double> PercentAsync(this ILocator row) =>
        double.Parse((await row.Locator("[role=progressbar]").GetAttributeAsync("aria-valuenow"))!, CultureInfo.InvariantCulture);

    /// <summary>The row's progress as steps done.</summary>
    public static async Task<long> DoneAsync(this ILocator row) =>
        long.Parse((await row.Locator("[role=progressbar]").GetAttributeAsync("data-done")) ?? "0", CultureInfo.InvariantCulture);

    public static async Task WaitForStatusAsync(this ILocator row, string status, TimeSpan timeout) =>
        await Eventually(async () => await row.StatusAsync() == status, timeout, async () => $"the row shows '{await row.StatusAsync()}', not '{status}'");

    /// <summary>Polls <paramref name="condition"/> until it holds, or fails with <paramref name="explain"/>.</summary>
    public static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, Func<Task<string>> explain)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"After {timeout.TotalSeconds:0} s: {await explain()}");
            }

            await Task.Delay(100);
        }
    }
}
