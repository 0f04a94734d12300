using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Tasker.Silo.Auth;

/// <summary>
/// One authentication scheme for Basic, Bearer (API key) and X-Api-Key. A request with no credentials is anonymous
/// (the authorization policies decide whether that is enough); wrong or unreadable credentials fail. Challenges and
/// refusals are problem details, the challenge with <c>WWW-Authenticate</c> for both Basic and Bearer.
/// </summary>
public sealed class TaskerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    CredentialVerifier verifier,
    IProblemDetailsService problems) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Tasker";

    private const string FailureKey = "tasker-auth-failure";
    private const string RefusedKey = "tasker-auth-refused";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Context.GetEndpoint()?.Metadata.GetMetadata<FrontEnd.Agents.AgentRoute>() is not null)
        {
            return AuthenticateResult.NoResult(); // An agent's bearer token is the agent token, checked on its routes.
        }

        switch (PresentedCredentials.Read(Request))
        {
            case null:
                return AuthenticateResult.NoResult();
            case PresentedCredentials.Malformed malformed:
                Context.Items[FailureKey] = malformed.Reason;
                return AuthenticateResult.Fail(malformed.Reason);
            case { } credentials:
                switch (await verifier.VerifyAsync(credentials, Context.Connection.RemoteIpAddress, Context.RequestAborted))
                {
                    case Verification.SignedIn signedIn:
                        return AuthenticateResult.Success(new AuthenticationTicket(signedIn.User.ToPrincipal(SchemeName), SchemeName));
                    case Verification.Throttled throttled:
                        Context.Items[RefusedKey] = throttled;
                        return AuthenticateResult.Fail("too many failed sign-ins");
                    case Verification.Busy busy:
                        Context.Items[RefusedKey] = busy;
                        return AuthenticateResult.Fail("too many password checks at once");
                    default:
                        Context.Items[FailureKey] = "the user name and password, or the API key, are not valid";
                        return AuthenticateResult.Fail("invalid credentials");
                }
        }
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        switch (Context.Items[RefusedKey])
        {
            case Verification.Throttled throttled:
                var seconds = RetryAfter(throttled.RetryAfter);
                await WriteProblemAsync(StatusCodes.Status429TooManyRequests, "Too many failed sign-ins", "sign-in-throttled",
                    $"Too many failed sign-ins from this address; try again in {seconds} s.");
                return;
            case Verification.Busy busy:
                seconds = RetryAfter(busy.RetryAfter);
                await WriteProblemAsync(StatusCodes.Status503ServiceUnavailable, "Too many sign-ins at once", "sign-in-busy",
                    $"The server is checking as many passwords as it may; try again in {seconds} s, or sign in with an API key.");
                return;
        }

        Response.Headers.Append("WWW-Authenticate", "Basic realm=\"Tasker\", charset=\"UTF-8\"");
        Response.Headers.Append("WWW-Authenticate", "Bearer realm=\"Tasker\"");
        var why = Context.Items[FailureKey] as string;
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized", why is null ? "unauthenticated" : "invalid-credentials",
            why is null
                ? "Sign in: Authorization: Basic (user:password), Authorization: Bearer <API key>, or X-Api-Key: <API key>."
                : $"Signing in failed: {why}.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        return WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "forbidden",
            $"User '{Context.User.Identity?.Name}' may not do this: it needs the {UserRoles.Admin} role.");
    }

    /// <summary>Sets Retry-After (whole seconds, at least 1) and returns it.</summary>
    private int RetryAfter(TimeSpan wait)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return seconds;
    }

    private async Task WriteProblemAsync(int status, string title, string code, string detail)
    {
        Response.StatusCode = status;
        ProblemDetailsContext Problem() => new()
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail, Extensions = { ["code"] = code } },
        };
        if (!await problems.TryWriteAsync(Problem()))
        {
            // The writer declines when the client's Accept admits no JSON (text/event-stream, say): the answer is a
            // problem whatever the client accepts, as the endpoints' are (found by the fuzzer).
            Request.Headers.Accept = default;
            await problems.WriteAsync(Problem());
        }
    }
}
