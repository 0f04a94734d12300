namespace Tasker.Records;

/// <summary>One row of the data set that csv-export reads and csv-import fills.</summary>
/// <param name="Id">Assigned by the store; with <paramref name="Date"/> it orders every read.</param>
public sealed record DataRecord(long Id, DateOnly Date, string Name, string Email, string City, decimal Amount);

/// <summary>A row to store, named by where it came from (<c>seed</c>, or an import task's id) and its line there.</summary>
/// <remarks>(source, line) is unique in the store, so storing the same row again (a chunk redone) adds nothing.</remarks>
public sealed record NewRecord(long Line, DateOnly Date, string Name, string Email, string City, decimal Amount);

/// <summary>Where a read stopped: the last row returned, in (date, id) order.</summary>
public sealed record RecordCursor(DateOnly Date, long Id);
