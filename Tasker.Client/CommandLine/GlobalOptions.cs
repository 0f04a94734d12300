using System.CommandLine;

namespace Tasker.Client.CommandLine;

/// <summary>The options every command takes, before or after its name.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> Url = new("--url")
    {
        Description = "The Tasker server [default: $TASKER_URL, else the URL saved by 'tasker login', else " + Cli.DefaultUrl + "]",
        HelpName = "URL",
        Recursive = true,
        Validators =
        {
            result =>
            {
                var text = result.GetValueOrDefault<string?>();
                if (text is not null && !(Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
                {
                    result.AddError($"--url must be an http or https URL, not '{text}'");
                }
            },
        },
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print JSON on stdout for scripts: no colours, no tables, no progress bars",
        Recursive = true,
    };
}
