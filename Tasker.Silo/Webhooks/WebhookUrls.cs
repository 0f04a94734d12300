using System.Net;

namespace Tasker.Silo.Webhooks;

/// <summary>What a callback URL must be (docs/adr/036): absolute https (http too when private addresses are allowed), no credentials.</summary>
public static class WebhookUrls
{
    /// <summary>The longest URL accepted.</summary>
    public const int MaxLength = 2048;

    /// <summary>Why <paramref name="url"/> cannot be a callback, or null when it can (at submission and again at each send).</summary>
    public static string? Refusal(string url, bool allowPrivate)
    {
        if (url.Length > MaxLength)
        {
            return $"must be at most {MaxLength} characters";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return allowPrivate ? "must be an absolute http or https URL" : "must be an absolute https URL";
        }

        if (uri.Scheme != Uri.UriSchemeHttps && !(allowPrivate && uri.Scheme == Uri.UriSchemeHttp))
        {
            return allowPrivate ? "must be an absolute http or https URL" : "must be an absolute https URL (http only with Tasker:Webhooks:AllowPrivate)";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "must not carry a user name or password";
        }

        if (uri.Fragment.Length > 0)
        {
            return "must not carry a fragment (#...)";
        }

        // An address written in the URL is judged at once; a name is judged each time it is resolved, when sending.
        if (!allowPrivate && IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) && WebhookAddresses.Refusal(address) is { } kind)
        {
            return $"must not point to a {kind} address ({address}); webhooks go to public addresses only";
        }

        if (!allowPrivate && uri.IsLoopback)
        {
            return "must not point to this machine (loopback); webhooks go to public addresses only";
        }

        return null;
    }
}
