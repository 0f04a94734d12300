namespace Tasker.Client.CommandLine;

/// <summary>
/// One verb's arguments: positionals, <c>--name value</c> (or <c>--name=value</c>) options, and <c>--flag</c>s.
/// Options a verb does not declare are usage errors, so a typo never passes silently.
/// </summary>
internal sealed class Arguments
{
    // About 115 days: any longer wait is surely a typo, and TimeSpan stays far from overflow.
    private const double MaxSeconds = 1e7;

    private readonly List<string> _positionals = [];
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private Arguments()
    {
    }

    /// <summary>Parses <paramref name="args"/> for a verb that takes the <paramref name="valued"/> options and the <paramref name="flags"/>.</summary>
    public static Arguments Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> valued, IReadOnlyCollection<string> flags)
    {
        var parsed = new Arguments();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                parsed._positionals.Add(arg);
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg[2..] : arg[2..equals];
            if (flags.Contains(name) && equals < 0)
            {
                parsed._flags.Add(name);
            }
            else if (valued.Contains(name))
            {
                string value;
                if (equals >= 0)
                {
                    value = arg[(equals + 1)..];
                }
                else if (i + 1 < args.Count)
                {
                    value = args[++i];
                }
                else
                {
                    throw new UsageException($"--{name} needs a value");
                }

                parsed.Add(name, value);
            }
            else
            {
                throw new UsageException($"unknown option --{name}");
            }
        }

        return parsed;
    }

    /// <summary>The positional argument at <paramref name="index"/>, named <paramref name="name"/> in the error when missing.</summary>
    public string Positional(int index, string name) =>
        index < _positionals.Count ? _positionals[index] : throw new UsageException($"missing <{name}>");

    /// <summary>Fails unless there are at most <paramref name="count"/> positional arguments.</summary>
    public void AtMostPositionals(int count)
    {
        if (_positionals.Count > count)
        {
            throw new UsageException($"unexpected argument '{_positionals[count]}'");
        }
    }

    /// <summary>The value of an option given at most once; null when not given.</summary>
    public string? Option(string name) => All(name) switch
    {
        [] => null,
        [var one] => one,
        _ => throw new UsageException($"--{name} is given more than once"),
    };

    /// <summary>Every value of an option that may repeat, in order.</summary>
    public IReadOnlyList<string> All(string name) => _options.TryGetValue(name, out var values) ? values : [];

    /// <summary>True when the flag was given.</summary>
    public bool Flag(string name) => _flags.Contains(name);

    /// <summary>An option's value as a number of seconds (0 or more), or <paramref name="fallback"/>.</summary>
    public TimeSpan Seconds(string name, TimeSpan fallback)
    {
        var text = Option(name);
        if (text is null)
        {
            return fallback;
        }

        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            && seconds is >= 0 and <= MaxSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new UsageException($"--{name} must be a number of seconds from 0 to 10000000, not '{text}'");
    }

    private void Add(string name, string value)
    {
        if (!_options.TryGetValue(name, out var values))
        {
            _options[name] = values = [];
        }

        values.Add(value);
    }
}
