using Tasker.Silo.Hosting;

namespace Tasker.Silo.Auth;

/// <summary>
/// Without authentication, only this machine may drive Tasker (docs/adr/030). Every request must come from a loopback
/// address (whatever address the server was made to listen on); name a loopback host (a page that rebinds its own
/// name to 127.0.0.1 sends that name: DNS rebinding); and, when a browser says where it comes from (<c>Origin</c>),
/// come from this server's own page or an origin the operator configured (<c>Tasker:Auth:CorsOrigins</c>): a
/// cross-site form POST (an upload) needs no CORS preflight, so withholding CORS headers alone would not stop it.
/// A cross-site request without an Origin (an image or script tag, a GET that changes a task in the old systems'
/// routes) is refused too, by the browser's <c>Sec-Fetch-Site</c>; following a link to a page is not.
/// Registered only while authentication is off; with it on, credentials decide.
/// </summary>
public sealed class LocalCallerGuard(RequestDelegate next, IProblemDetailsService problems, IConfiguration configuration)
{
    private readonly string[] _allowedOrigins = [.. AuthExtensions.CorsOrigins(configuration, authenticationEnabled: false).Select(Normalize)];

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;

        // No address at all is not a network connection (an in-process test server).
        if (context.Connection.RemoteIpAddress is { } remote && !Loopback.IsAddress(remote))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "Only this machine may call", "loopback-only",
                $"Authentication is off, so this server answers only connections from this machine, and {remote} is not loopback. An operator turns authentication on with Tasker__Auth__Enabled=true.");
            return;
        }

        if (request.Host.HasValue && !Loopback.IsHost(request.Host.Host))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "Host not allowed", "host-not-allowed",
                $"Authentication is off, so this server answers only requests addressed to localhost, 127.0.0.1 or [::1], not to '{request.Host.Host}'.");
            return;
        }

        var crossSite = request.Headers.Origin.Count > 0
            ? !IsOwnOrAllowed(Normalize(request.Headers.Origin.ToString()), request)
            : request.Headers["Sec-Fetch-Site"] == "cross-site" && !IsNavigation(request);
        if (crossSite)
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "Cross-origin request refused", "cross-origin-refused",
                "Authentication is off, so only this server's own page may call it from a browser; an operator allows other origins with Tasker__Auth__CorsOrigins__0=https://...");
            return;
        }

        await next(context);
    }

    private bool IsOwnOrAllowed(string origin, HttpRequest request) =>
        origin.Equals(Normalize($"{request.Scheme}://{request.Host.Value}"), StringComparison.OrdinalIgnoreCase)
        || _allowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase);

    private static bool IsNavigation(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && request.Headers["Sec-Fetch-Mode"] == "navigate";

    private static string Normalize(string origin) => origin.TrimEnd('/');

    private async Task RefuseAsync(HttpContext context, int status, string title, string code, string detail)
    {
        context.Response.StatusCode = status;

        // A problem whatever the client accepts (the writer declines for text/html, text/event-stream), as everywhere.
        context.Request.Headers.Accept = default;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail, Extensions = { ["code"] = code } },
        });
    }
}
