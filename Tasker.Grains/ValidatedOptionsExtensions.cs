using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Tasker;

/// <summary>Options validated at start by their data annotations (<see cref="DataAnnotationsValidator{TOptions}"/>).</summary>
public static class ValidatedOptionsExtensions
{
    /// <summary>Adds <typeparamref name="TOptions"/> bound from the configuration section <paramref name="section"/>.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class =>
        services.AddValidatedOptions<TOptions>().BindConfiguration(section);

    /// <summary>Adds <typeparamref name="TOptions"/>, which the caller binds or configures itself.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services)
        where TOptions : class
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, DataAnnotationsValidator<TOptions>>());
        return services.AddOptions<TOptions>().ValidateOnStart();
    }
}
