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
catch (Exception exception) when (exception is TaskerConfigurationException or Microsoft.Extensions.Options.OptionsValidationException)
{
    // A configuration mistake is the operator's to fix: say what it is, without a stack trace.
    await Console.Error.WriteLineAsync($"Tasker cannot start: {exception.Message}");
    return 2;
}

/// <summary>The entry point, visible to the functional tests' WebApplicationFactory.</summary>
public partial class Program;
