namespace Tasker.Client.CommandLine;

/// <summary>The command line is wrong; the message says how, and the usage text follows it.</summary>
internal sealed class UsageException(string message) : Exception(message);
