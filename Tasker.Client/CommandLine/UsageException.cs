namespace Tasker.Client.CommandLine;

/// <summary>
/// The command line is wrong in a way only the command's action can tell (e.g. a setting from the environment);
/// the message says how, and the command's help follows it. Parse errors come from System.CommandLine itself.
/// </summary>
internal sealed class UsageException(string message) : Exception(message);
