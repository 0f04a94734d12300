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
    private const string ThrottledKey = "tasker-auth-throttled";

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
                var address = Context.Connection.RemoteIpAddress?.ToString() ?? "";
                var (user, wait) = await verifier.VerifyAsync(credentials, address);
                if (user is not null)
                {
                    return AuthenticateResult.Success(new AuthenticationTicket(user.ToPrincipal(SchemeName), SchemeName));
                }

                if (wait is not null)
                {
                    Context.Items[ThrottledKey] = wait;
                    return AuthenticateResult.Fail("too many failed sign-ins");
                }

                Context.Items[FailureKey] = "the user name and password, or the API key, are not valid";
                return AuthenticateResult.Fail("invalid credentials");
        }
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[ThrottledKey] is TimeSpan wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await WriteProblemAsync(StatusCodes.Status429TooManyRequests, "Too many failed sign-ins", "sign-in-throttled",
                $"Too many failed sign-ins from this address; try again in {seconds} s.");
            return;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
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
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "forbidden",
            $"User '{Context.User.Identity?.Name}' may not do this: it needs the {UserRoles.Admin} role.");
    }

    private async Task WriteProblemAsync(int status, string title, string code, string detail)
    {
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
