using System.Net;
using Tasker.Silo.Tests.Auth;

namespace Tasker.Silo.Tests.Webhooks;

/// <summary>A task's deliveries are its owner's, as every task route; a webhook secret is made by its user or an admin.</summary>
[Collection(AuthCollection.Name)]
public sealed class WebhookIsolationTests(AuthApiFixture api)
{
    [Fact]
    public async Task Another_users_deliveries_are_a_404_and_its_webhook_secret_a_403()
    {
        var (owner, ownerPassword) = await api.NewUserAsync("hook-owner");
        var (other, otherPassword) = await api.NewUserAsync("hook-other");
        using var asOwner = api.As(owner, ownerPassword);
        using var asOther = api.As(other, otherPassword);
        using var admin = api.Admin();

        // No secret for the owner: nothing is ever sent from this test (and nothing unsigned is sent at all).
        var (status, task) = await asOwner.PostJsonAsync("/tasks",
            """{"type":"count","params":{"to":1,"delay_ms":1},"callback":{"url":"https://hooks.example.com/tasker"}}""");
        Assert.Equal(HttpStatusCode.Accepted, status);
        var id = task.GetProperty("id").GetString()!;
        await asOwner.WaitForStatusAsync(id, "succeeded");

        Assert.Equal(HttpStatusCode.OK, (await asOwner.GetJsonAsync($"/tasks/{id}/deliveries")).Status);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetJsonAsync($"/tasks/{id}/deliveries")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await asOther.GetJsonAsync($"/tasks/{id}/deliveries")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await asOther.SendAsync(HttpMethod.Post, $"/tasks/{id}/deliveries/redeliver")).Status);

        Assert.Equal(HttpStatusCode.Forbidden, (await asOther.SendAsync(HttpMethod.Post, $"/users/{owner}/webhook-secret")).Status);
        Assert.Equal(HttpStatusCode.Created, (await asOther.SendAsync(HttpMethod.Post, $"/users/{other}/webhook-secret")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.SendAsync(HttpMethod.Post, "/users/nobody-of-that-name/webhook-secret")).Status);
        using var anonymous = api.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(HttpMethod.Post, $"/users/{owner}/webhook-secret")).Status);
    }
}
