using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tasker.Silo.FrontEnd;
using Tasker.Silo.Hosting;

namespace Tasker.Silo.OldSystems;

/// <summary>
/// The routes of the five systems Tasker replaces, each documented request as its README wrote it, translated onto the
/// canonical API's own submit, read and control paths. One line per system; each can be turned off.
/// </summary>
public static partial class OldSystemsExtensions
{
    /// <summary>The services the old systems' routes need besides the canonical API's.</summary>
    public static IServiceCollection AddOldSystems(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, TrailingSlash.Policy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskRequestShape, System004>()); // 004's requests are the canonical routes with another body.
        services.Configure<OpenApiOptions>(FrontEndExtensions.OpenApiDocumentName, o => o.AddDocumentTransformer(System001.DescribeAsync));
        return services;
    }

    public static IEndpointRouteBuilder MapOldSystems(this IEndpointRouteBuilder app)
    {
        app.MapOldSystem("000", System000.Map);
        app.MapOldSystem("001", System001.Map);
        app.MapOldSystem("002", System002.Map);
        app.MapOldSystem("003", System003.Map);
        return app;
    }

    private static void MapOldSystem(this IEndpointRouteBuilder app, string number, Action<RouteGroupBuilder> map)
    {
        var options = app.ServiceProvider.GetRequiredService<IConfiguration>()
            .GetSection($"{OldSystemOptions.SectionName}:{number}").Get<OldSystemOptions>() ?? new OldSystemOptions();
        if (!options.Enabled)
        {
            RoutesOff(app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OldSystemsExtensions)), number);
            return;
        }

        var client = options.Client ?? number;
        if (!ClientNames.IsValid(client))
        {
            throw new TaskerConfigurationException(
                $"{OldSystemOptions.SectionName}:{number}:Client must be {ClientNames.Rule}, not '{client}'.");
        }

        map(app.MapGroup("").WithTags($"{number} compatibility").WithMetadata(new OldSystem(number, client)));
    }
}
