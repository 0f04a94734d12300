using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Tasker.Silo.FrontEnd.Agents;

namespace Tasker.Silo.Tests;

/// <summary>
/// The OpenAPI document's responses are what the handlers' return types declare (<c>Results&lt;Ok&lt;T&gt;, Problem&lt;...&gt;&gt;</c>),
/// not hand-written lists that can drift from the code.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OpenApiResponsesTests(TaskerApiFixture api)
{
    // Added by the conventions to every operation that needs a signed-in user (OpenApiConventions).
    private static readonly int[] _authentication = [401, 403, 429];

    [Fact]
    public async Task Every_operation_lists_exactly_the_statuses_its_handlers_return_type_declares()
    {
        var (status, document) = await api.CreateClient().GetJsonAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, status);
        var paths = document.GetProperty("paths");
        var drift = new List<string>();
        var checkedOperations = 0;
        foreach (var endpoint in api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<MethodInfo>() is not { } handler
                || endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true }
                || endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is not [var method]
                || !paths.TryGetProperty(PathOf(endpoint.RoutePattern), out var path)
                || !path.TryGetProperty(method.ToLowerInvariant(), out var operation))
            {
                continue; // Not an API operation (the page, health, metrics, the document itself).
            }

            var name = $"{method} {PathOf(endpoint.RoutePattern)}";
            checkedOperations++;
            if (Declared(handler.ReturnType) is not { } declared)
            {
                drift.Add($"{name}: its handler returns {handler.ReturnType.Name}, which declares no response");
                continue;
            }

            var listed = operation.GetProperty("responses").EnumerateObject().Select(r => int.Parse(r.Name, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
            drift.AddRange(declared.Except(listed).Select(s => $"{name}: its handler may answer {s}, which the document does not list"));
            var handWritten = endpoint.Metadata.OfType<IProducesResponseTypeMetadata>().ToList();
            foreach (var extra in listed.Except(declared))
            {
                var byConvention = _authentication.Contains(extra) && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null;
                // A stream or a file, whose result type describes no response; the agent token filter's answers.
                var byHand = handWritten.Any(m => m.StatusCode == extra
                    && ((extra == 200 && !m.ContentTypes.Contains("application/json")) || endpoint.Metadata.GetMetadata<AgentRoute>() is not null));
                if (!byConvention && !byHand)
                {
                    drift.Add($"{name}: the document lists {extra}, which its handler's return type does not declare");
                }
            }
        }

        Assert.True(checkedOperations > 50, $"Only {checkedOperations} operations were compared.");
        Assert.True(drift.Count == 0, string.Join(Environment.NewLine, drift));
    }

    /// <summary>The statuses a handler's return type declares (its typed results' metadata); null for an untyped IResult.</summary>
    private static HashSet<int>? Declared(Type returnType)
    {
        var type = returnType.IsGenericType && (returnType.GetGenericTypeDefinition() == typeof(Task<>) || returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
            ? returnType.GetGenericArguments()[0]
            : returnType;
        if (!typeof(IEndpointMetadataProvider).IsAssignableFrom(type))
        {
            return null;
        }

        var builder = new RouteEndpointBuilder(null, RoutePatternFactory.Parse("/"), 0);
        var populate = type.GetInterfaceMap(typeof(IEndpointMetadataProvider)).TargetMethods.Single();
        populate.Invoke(null, [typeof(OpenApiResponsesTests).GetMethod(nameof(Declared), BindingFlags.NonPublic | BindingFlags.Static), builder]);
        return builder.Metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode).ToHashSet();
    }

    /// <summary>The route as the document keys it: <c>/tasks/</c> is <c>/tasks</c>.</summary>
    private static string PathOf(RoutePattern pattern) => "/" + pattern.RawText!.Trim('/');
}
