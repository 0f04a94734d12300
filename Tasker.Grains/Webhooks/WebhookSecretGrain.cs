using Microsoft.Extensions.Options;
using Tasker.Storage;

namespace Tasker.Webhooks;

/// <summary>
/// The webhook secret of one client name, sealed (docs/adr/036). The front end makes the secret, shows it once and seals
/// it before it reaches this grain; the sender opens it only to sign.
/// </summary>
public sealed class WebhookSecretGrain(
    [PersistentState("webhookSecret", TaskerStorage.Name)] IPersistentState<WebhookSecretState> state,
    IOptions<WebhookOptions> options,
    TimeProvider clock) : Grain, IWebhookSecretGrain
{
    private WebhookSecretState S => state.State;

    public async Task<WebhookSecretRotation> RotateAsync(string sealedSecret)
    {
        if (Caller.Current is { } caller && !caller.MayAccess(this.GetPrimaryKeyString()))
        {
            throw new UnauthorizedAccessException("A webhook secret is its client's own.");
        }

        var now = clock.GetUtcNow();
        DateTimeOffset? previousUntil = null;
        if (S.Current is { } current)
        {
            S.Previous = current;
            S.PreviousUntil = now + options.Value.PreviousSecretFor;
            previousUntil = S.PreviousUntil;
        }

        S.Current = sealedSecret;
        S.CreatedAt = now;
        await state.WriteOrDropAsync(this);
        return new WebhookSecretRotation(now, previousUntil);
    }

    public Task<WebhookSigningKeys?> GetSigningKeysAsync() =>
        Task.FromResult(S.Current is { } current
            ? new WebhookSigningKeys(current, S.Previous is { } previous && S.PreviousUntil > clock.GetUtcNow() ? previous : null)
            : null);

    public Task ForgetAsync() => state.ClearAndDropAsync(this);
}
