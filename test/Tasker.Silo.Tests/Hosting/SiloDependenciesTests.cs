using System.Text.Json;

namespace Tasker.Silo.Tests;

/// <summary>
/// The silo takes the HTTP contract (Tasker.Api) and nothing else of Tasker.Client: the command line's packages stay
/// out of the server (docs/adr/038).
/// </summary>
public sealed class SiloDependenciesTests
{
    [Fact]
    public void The_silo_depends_on_the_HTTP_contract_without_the_command_lines_packages()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Tasker.Silo.deps.json");
        using var deps = JsonDocument.Parse(File.ReadAllText(path));
        var libraries = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name.Split('/')[0]).ToList();

        Assert.Contains("Tasker.Api", libraries);
        Assert.DoesNotContain("tasker", libraries);
        Assert.DoesNotContain("Tasker.Client", libraries);
        Assert.DoesNotContain("System.CommandLine", libraries);
        Assert.DoesNotContain("Spectre.Console", libraries);
    }
}
