using Microsoft.Extensions.Logging;

namespace Tasker.Records;

public sealed partial class DataSetSeeder
{
    [LoggerMessage(2300, LogLevel.Information, "Data set: created {Added} rows ({Wanted} configured).")]
    private static partial void Seeded(ILogger logger, int added, int wanted);
}
