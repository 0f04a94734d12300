using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Tasker.Silo.Auth;

namespace Tasker.Silo.Hosting;

/// <summary>
/// What client generators and linters need from the OpenAPI document: the security schemes (Basic, Bearer API key,
/// X-Api-Key) and which operations need them, an operationId on every operation, described tags, server URLs
/// without a trailing slash.
/// </summary>
public static class OpenApiConventions
{
    private const string Basic = "basic";
    private const string Bearer = "apiKeyBearer";
    private const string Header = "apiKeyHeader";
    private const string AgentToken = "agentToken";

    private static readonly Dictionary<string, string> _tagDescriptions = new(StringComparer.Ordinal)
    {
        ["Tasks"] = "Submit, read, watch, control and delete tasks.",
        ["Schedules"] = "Recurring schedules: a task template made on a cron or an interval, once per due time.",
        ["Clients"] = "Each client's request history.",
        ["Processes"] = "The status of each task type; admins suspend and activate them.",
        ["Types"] = "The task types and their parameters, as their handlers declare them.",
        ["Users"] = "Users, tiers, roles, passwords and API keys (admins only).",
        ["000 compatibility"] = "The requests of the old system 000 (\"tasker\", SQS + DB), as its README wrote them.",
        ["001 compatibility"] = "The requests of the old system 001 (\"taskmanager\", Flask + Celery); its GETs that change things are legacy.",
        ["002 compatibility"] = "The requests of the old system 002 (\"Tasker\", Redis microservices).",
        ["003 compatibility"] = "The requests of the old system 003 (Ivelum task job), with basic auth always.",
    };

    public static OpenApiOptions AddTaskerConventions(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[Basic] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "basic", Description = "A user name and password.",
            };
            document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "tsk_<id>_<secret>", Description = "An API key as a bearer token.",
            };
            document.Components.SecuritySchemes[Header] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key", Description = "An API key in the X-Api-Key header.",
            };
            document.Components.SecuritySchemes[AgentToken] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "The executor agents' token (Tasker__Agents__Token); agents are not users.",
            };
            foreach (var server in document.Servers ?? [])
            {
                server.Url = server.Url?.TrimEnd('/');
            }

            foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
            {
                if (tag.Name is { } name && _tagDescriptions.TryGetValue(name, out var description))
                {
                    tag.Description ??= description;
                }
            }

            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            operation.OperationId ??= OperationId(context.Description.GroupName ?? operation.Tags?.FirstOrDefault()?.Name, metadata);
            if (metadata.OfType<Endpoints.TypeEndpoints.DescribeTaskTypes>().Any())
            {
                operation.Description += " " + Endpoints.TypeEndpoints.Describe(context.ApplicationServices.GetRequiredService<Tasker.Handlers.TaskHandlerRegistry>());
            }

            if (metadata.OfType<FrontEnd.Agents.AgentRoute>().Any())
            {
                operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(AgentToken, context.Document)] = [] }];
                return Task.CompletedTask;
            }

            if (metadata.OfType<IAllowAnonymous>().Any())
            {
                return Task.CompletedTask;
            }

            var alwaysSignedIn = metadata.OfType<IAuthorizeData>().Any(a => a.Policy == AuthExtensions.SignedInPolicy);
            var adminOnly = metadata.OfType<IAuthorizeData>().Any(a => a.Policy == AuthExtensions.AdminPolicy);
            operation.Responses ??= [];
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "Not signed in, or wrong credentials (a problem, with WWW-Authenticate)." });
            operation.Responses.TryAdd("429", new OpenApiResponse { Description = "Over the user's tier's requests per second (a problem, with Retry-After)." });
            if (adminOnly)
            {
                operation.Responses.TryAdd("403", new OpenApiResponse { Description = "Signed in, but not an admin (a problem)." });
            }

            var authOn = context.ApplicationServices.GetRequiredService<AuthMode>().Enabled;
            operation.Security ??= [];
            foreach (var scheme in new[] { Basic, Bearer, Header })
            {
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] });
            }

            if (!authOn && !alwaysSignedIn)
            {
                operation.Security.Add(new OpenApiSecurityRequirement()); // Anonymous too: authentication is off.
            }

            return Task.CompletedTask;
        });
        return options;
    }

    /// <summary>The tag and the handler's name, e.g. <c>tasksGetStatus</c>, for operations that were not named.</summary>
    private static string? OperationId(string? tag, IList<object> metadata)
    {
        if (metadata.OfType<System.Reflection.MethodInfo>().FirstOrDefault() is not { } method || method.Name.Contains('<', StringComparison.Ordinal))
        {
            return null;
        }

        var name = method.Name.EndsWith("Async", StringComparison.Ordinal) ? method.Name[..^5] : method.Name;
        var prefix = new string([.. (tag ?? "").Where(char.IsLetterOrDigit)]);
        return prefix.Length == 0 ? char.ToLowerInvariant(name[0]) + name[1..] : char.ToLowerInvariant(prefix[0]) + prefix[1..] + name;
    }
}
