namespace Tasker.Silo.FrontEnd;

/// <summary>
/// An uploaded file received and hashed but not yet in place: the submission seam puts it in place
/// (<see cref="Commit"/>) only once the task is allowed, and disposing it removes it otherwise, so that a refused upload
/// leaves nothing behind on disk.
/// </summary>
public sealed class StagedUpload(string incomingPath, string finalPath) : IDisposable
{
    private bool _committed;

    /// <summary>Moves the file to the name its task refers to (its content hash), replacing an equal copy.</summary>
    public void Commit()
    {
        File.Move(incomingPath, finalPath, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed)
        {
            File.Delete(incomingPath);
        }
    }
}
