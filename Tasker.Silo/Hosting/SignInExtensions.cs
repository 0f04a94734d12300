using Tasker.Silo.Auth;

namespace Tasker.Silo.Hosting;

/// <summary>The limits on signing in: throttling of failures and the cap on password hashes (docs/adr/031).</summary>
public static class SignInExtensions
{
    public static IServiceCollection AddTaskerSignInLimits(this IServiceCollection services)
    {
        services.AddValidatedOptions<SignInOptions>(SignInOptions.SectionName);
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<PasswordChecks>();
        return services;
    }
}
