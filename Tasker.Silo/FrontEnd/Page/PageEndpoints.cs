using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Tasker.Silo.FrontEnd.Page;

/// <summary>
/// The web page for people at <c>/</c>: one HTML file, its script and its stylesheet, embedded in this assembly so
/// that the page is served the same under <c>dotnet run</c>, a test host and a published image, whatever the
/// content root. A caller that asks for JSON (and not HTML) at <c>/</c> gets the index of links instead.
/// </summary>
public static class PageEndpoints
{
    // The page loads nothing from elsewhere and runs no inline script; the policy holds it to that.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly string[] _getAndHead = [HttpMethods.Get, HttpMethods.Head];

    /// <summary>The links of the API and the operations endpoints, shown on the page and given to JSON callers.</summary>
    public static IReadOnlyDictionary<string, string> Links { get; } = new Dictionary<string, string>
    {
        ["tasks"] = "/tasks",
        ["processes"] = "/processes",
        ["agents"] = "/agents",
        ["openapi"] = "/openapi/v1.json",
        ["reference"] = "/scalar/v1",
        ["dashboard"] = "/dashboard/",
        ["live"] = "/health/live",
        ["ready"] = "/health/ready",
        ["metrics"] = "/metrics",
    };

    public static IEndpointRouteBuilder MapPageEndpoints(this IEndpointRouteBuilder app)
    {
        var index = PageAsset.Load("index.html", "text/html; charset=utf-8");
        var script = PageAsset.Load("page.js", "text/javascript; charset=utf-8");
        var styles = PageAsset.Load("page.css", "text/css; charset=utf-8");

        app.MapMethods("/", _getAndHead, (HttpContext context) => WantsJson(context.Request)
                ? TypedResults.Ok(new { name = "Tasker", page = "/", links = Links })
                : index.Serve(context))
            .ExcludeFromDescription();
        app.MapMethods("/page/page.js", _getAndHead, (HttpContext context) => script.Serve(context)).ExcludeFromDescription();
        app.MapMethods("/page/page.css", _getAndHead, (HttpContext context) => styles.Serve(context)).ExcludeFromDescription();
        return app;
    }

    private static bool WantsJson(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        return accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            && !accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>One embedded file, read once, served with an ETag so a browser revalidates instead of refetching.</summary>
    private sealed class PageAsset(byte[] content, string contentType, EntityTagHeaderValue entityTag)
    {
        public static PageAsset Load(string fileName, string contentType)
        {
            var resource = $"Tasker.Silo.FrontEnd.Page.{fileName}";
            using var stream = typeof(PageEndpoints).Assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"The page file '{resource}' is not embedded in Tasker.Silo.");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var tag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
            return new PageAsset(content, contentType, tag);
        }

        public IResult Serve(HttpContext context)
        {
            var headers = context.Response.Headers;
            headers.CacheControl = "no-cache";
            headers.XContentTypeOptions = "nosniff";
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers["Referrer-Policy"] = "no-referrer";
            return TypedResults.Bytes(content, contentType, entityTag: entityTag);
        }
    }
}
