namespace Tasker.Silo.OldSystems;

public static partial class OldSystemsExtensions
{
    [LoggerMessage(3500, LogLevel.Information, "Old system {Number}: its routes are off (Tasker:OldSystems:{Number}:Enabled is false)")]
    private static partial void RoutesOff(ILogger logger, string number);
}
