namespace Tasker;

/// <summary>
/// A grain could not read or write its state, or another store it needs, because the server behind it (PostgreSQL,
/// Redis) could not be reached or failed. It stands in for the driver's own exception, which cannot cross a grain
/// boundary (Orleans has no codec for it), so that every caller, on any silo, can read what went wrong. Nothing
/// acknowledged was lost: the caller may retry once the server is back.
/// </summary>
[GenerateSerializer, Alias("tasker.StorageUnavailableException")]
public sealed class StorageUnavailableException : OrleansException
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message)
        : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
