using Microsoft.Extensions.Options;
using Tasker.Silo.Cluster;
using Tasker.Silo.Hosting;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddTaskerSilo();
    builder.AddTaskerFrontEnd();

    var app = builder.Build();
    app.UseTaskerFrontEnd();
    await app.RunAsync();
    return 0;
}
catch (Exception exception) when (IsConfigurationMistake(exception))
{
    // A configuration mistake is the operator's to fix: say what it is, without a stack trace.
    await Console.Error.WriteLineAsync($"Tasker cannot start: {Describe(exception)}");
    return 2;
}

static bool IsConfigurationMistake(Exception exception) => exception switch
{
    // Start-up validation of several options at once reports them together.
    AggregateException all => all.InnerExceptions.Count > 0 && all.InnerExceptions.All(IsConfigurationMistake),
    TaskerConfigurationException or OptionsValidationException or OrleansConfigurationException or PostgresUnreachableException => true,
    InvalidOperationException when exception.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) => true,
    _ => false,
};

static string Describe(Exception exception) => exception is AggregateException all
    ? string.Join("; ", all.InnerExceptions.Select(Describe).Distinct(StringComparer.Ordinal))
    : exception.Message;

/// <summary>The entry point, visible to the functional tests' WebApplicationFactory.</summary>
public partial class Program;
