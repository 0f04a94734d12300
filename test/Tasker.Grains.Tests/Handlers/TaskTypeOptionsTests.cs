using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tasker.Handlers;

namespace Tasker.Grains.Tests.Handlers;

/// <summary>Each task type's limits and defaults sit beside its handler, and are still set by the Tasker section's keys.</summary>
public sealed class TaskTypeOptionsTests
{
    [Fact]
    public void Each_types_options_are_read_from_the_keys_of_the_Tasker_section()
    {
        var options = Bind(new()
        {
            ["Tasker:MaxCountTo"] = "2000",
            ["Tasker:MaxCountDelayMs"] = "5",
            ["Tasker:MaxSequenceN"] = "50",
            ["Tasker:MaxInputLength"] = "70",
            ["Tasker:ExportChunkRows"] = "11",
            ["Tasker:ImportChunkRows"] = "12",
            ["Tasker:ImportMaxBadRows"] = "3",
        });

        Assert.Equal(2000, options.GetRequiredService<IOptions<CountOptions>>().Value.MaxCountTo);
        Assert.Equal(5, options.GetRequiredService<IOptions<CountOptions>>().Value.MaxCountDelayMs);
        Assert.Equal(50, options.GetRequiredService<IOptions<SequenceOptions>>().Value.MaxSequenceN);
        Assert.Equal(70, options.GetRequiredService<IOptions<InputOptions>>().Value.MaxInputLength);
        Assert.Equal(11, options.GetRequiredService<IOptions<CsvExportOptions>>().Value.ExportChunkRows);
        Assert.Equal(12, options.GetRequiredService<IOptions<CsvImportOptions>>().Value.ImportChunkRows);
        Assert.Equal(3, options.GetRequiredService<IOptions<CsvImportOptions>>().Value.ImportMaxBadRows);
    }

    [Fact]
    public void A_value_outside_its_range_is_refused_naming_the_types_options_and_the_key()
    {
        var options = Bind(new() { ["Tasker:ExportChunkRows"] = "7" });

        var refused = Assert.Throws<OptionsValidationException>(() => options.GetRequiredService<IOptions<CsvExportOptions>>().Value);
        Assert.Contains("CsvExportOptions: The field ExportChunkRows must be between 10 and 1000000.", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.True(new DataAnnotationsValidator<CountOptions>().Validate(null, new CountOptions()).Succeeded);
        Assert.True(new DataAnnotationsValidator<SequenceOptions>().Validate(null, new SequenceOptions()).Succeeded);
        Assert.True(new DataAnnotationsValidator<InputOptions>().Validate(null, new InputOptions()).Succeeded);
        Assert.True(new DataAnnotationsValidator<CsvExportOptions>().Validate(null, new CsvExportOptions()).Succeeded);
        Assert.True(new DataAnnotationsValidator<CsvImportOptions>().Validate(null, new CsvImportOptions()).Succeeded);
    }

    private static ServiceProvider Bind(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection().AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddValidatedOptions<CountOptions>(TaskerOptions.SectionName);
        services.AddValidatedOptions<SequenceOptions>(TaskerOptions.SectionName);
        services.AddValidatedOptions<InputOptions>(TaskerOptions.SectionName);
        services.AddValidatedOptions<CsvExportOptions>(TaskerOptions.SectionName);
        services.AddValidatedOptions<CsvImportOptions>(TaskerOptions.SectionName);
        return services.BuildServiceProvider();
    }
}
