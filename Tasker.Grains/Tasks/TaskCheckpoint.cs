namespace Tasker.Tasks;

/// <summary>Where a long task stands: a position (units done) and whatever else its handler needs to go on.</summary>
[GenerateSerializer, Immutable, Alias("tasker.TaskCheckpoint")]
public sealed record TaskCheckpoint([property: Id(0)] long Position, [property: Id(1)] string? Data = null)
{
    public static readonly TaskCheckpoint Start = new(0);
}
