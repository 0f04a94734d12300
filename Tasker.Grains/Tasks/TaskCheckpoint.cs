namespace Tasker.Tasks;

/// <summary>Where a long task stands: a position (units done) and whatever else its handler needs to go on.</summary>
[GenerateSerializer, Immutable, Alias("tasker.TaskCheckpoint")]
public sealed record TaskCheckpoint([property: Id(0)] long Position, [property: Id(1)] string? Data = null)
{
    /// <summary>
    /// The start, a new instance each time: a serializer that fills existing objects (Newtonsoft's default, used by
    /// the memory storage unless told otherwise) would otherwise write a stored position into one shared instance,
    /// and every new task would start from it.
    /// </summary>
    public static TaskCheckpoint Start => new(0);
}
