using System.Text.RegularExpressions;

namespace Tasker.Client.Agent;

/// <summary>
/// A command that needs no shell: plain words separated by blanks (letters, digits and <c>_ . / : @ % + , = -</c>, so
/// nothing a shell would expand, quote, redirect or chain), the first naming a program, not a shell builtin, keyword or
/// variable assignment. <c>/bin/sh -c</c> would split it into the same words and run the same program with them, in a
/// process of its own: the shell is one process start more per command (about 5 ms on a small machine). Anything else,
/// and a program that cannot be found, is left to the shell, which says what is wrong as it always has.
/// </summary>
internal static partial class PlainCommand
{
    // dash's builtins and reserved words (and bash's, where a script might expect them): a shell runs these itself, and
    // an external program of the same name (echo, printf, test, kill, true) may behave differently.
    private static readonly HashSet<string> _shellWords = new(StringComparer.Ordinal)
    {
        ".", ":", "[", "[[", "]]", "{", "}", "!", "alias", "bg", "break", "builtin", "case", "cd", "chdir", "command",
        "continue", "declare", "do", "done", "echo", "elif", "else", "esac", "eval", "exec", "exit", "export", "false", "fc",
        "fg", "fi", "for", "function", "getopts", "hash", "if", "in", "jobs", "kill", "let", "local", "printf", "pwd", "read",
        "readonly", "return", "select", "set", "shift", "source", "test", "then", "time", "times", "trap", "true", "type",
        "typeset", "ulimit", "umask", "unalias", "unset", "until", "wait", "while",
    };

    /// <summary>The words of <paramref name="command"/> when it needs no shell; null when it does.</summary>
    public static IReadOnlyList<string>? Words(string command)
    {
        if (!Plain().IsMatch(command))
        {
            return null;
        }

        var words = command.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return _shellWords.Contains(words[0]) || words[0].Contains('=', StringComparison.Ordinal) ? null : words;
    }

    /// <summary>
    /// The file a shell would run for <paramref name="program"/>: a name with a slash as it is (from
    /// <paramref name="workingDirectory"/>), else the first executable file of that name on <paramref name="path"/>.
    /// Null when there is none; with <paramref name="forOthers"/> (commands run as another user), also when the file is
    /// not executable by everyone, so that a file only the agent's user could run is left to the shell's refusal.
    /// </summary>
    public static string? Resolve(string program, string path, string workingDirectory, bool forOthers)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            var file = Path.GetFullPath(program, workingDirectory);
            return IsExecutable(file, forOthers) ? file : null;
        }

        foreach (var directory in path.Split(':'))
        {
            // An empty entry is the working directory, as for the shell.
            var file = Path.Combine(directory.Length == 0 ? workingDirectory : Path.GetFullPath(directory, workingDirectory), program);
            if (IsExecutable(file, forOthers))
            {
                return file;
            }
        }

        return null;
    }

    private static bool IsExecutable(string file, bool forOthers)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(file))
        {
            return false;
        }

        var mode = File.GetUnixFileMode(file);
        return forOthers
            ? mode.HasFlag(UnixFileMode.OtherExecute)
            : (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }

    [GeneratedRegex(@"^[ \t]*[A-Za-z0-9_./:@%+,=-]+([ \t]+[A-Za-z0-9_./:@%+,=-]+)*[ \t]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Plain();
}
