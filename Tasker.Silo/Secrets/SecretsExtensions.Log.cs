namespace Tasker.Silo.Secrets;

public static partial class SecretsExtensions
{
    private sealed partial class UnencryptedRingWarning
    {
        [LoggerMessage(3600, LogLevel.Warning,
            "Tasker__Secrets__RingKey is not set: the Data Protection key ring is stored unencrypted in PostgreSQL, beside the api_key values it opens, so a database dump opens them. Set it (openssl rand -base64 32), the same on every silo, kept outside the database.")]
        private static partial void RingUnencrypted(ILogger logger);
    }
}
