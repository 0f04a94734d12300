using Microsoft.Extensions.Logging;

namespace Tasker.Processes;

public sealed partial class ProcessHealthWatcher
{
    [LoggerMessage(2200, LogLevel.Warning, "Process {Type} set to error: {Failures} of its tasks failed in a row")]
    private static partial void SetError(ILogger logger, string type, int failures);

    [LoggerMessage(2201, LogLevel.Information, "Process {Type} set back to active: a task succeeded")]
    private static partial void SetActive(ILogger logger, string type);

    [LoggerMessage(2202, LogLevel.Warning, "The status of process {Type} could not be changed")]
    private static partial void StatusNotChanged(ILogger logger, string type, Exception exception);
}
