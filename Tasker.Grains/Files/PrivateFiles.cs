namespace Tasker.Files;

/// <summary>
/// Files and folders that only the silo's own user may read or write (task results, uploads, the embedded database):
/// 0600 files and 0700 folders on Unix, whatever the umask. Windows has no such modes; there the folder's ACLs apply.
/// </summary>
public static class PrivateFiles
{
    /// <summary>Read and write for the owner only (0600).</summary>
    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Read, write and enter for the owner only (0700).</summary>
    public const UnixFileMode OwnerOnlyFolder = OwnerOnlyFile | UnixFileMode.UserExecute;

    /// <summary>
    /// Creates the folder and its missing parents owner-only. A folder that exists keeps its mode: the operator may have
    /// made it so on purpose (a shared volume), and it may not be the silo's to change.
    /// </summary>
    public static DirectoryInfo CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return Directory.CreateDirectory(path);
        }

        // One at a time from the outermost missing one: Directory.CreateDirectory gives the mode to the last one only.
        var missing = new Stack<string>();
        for (var folder = Path.GetFullPath(path); !Directory.Exists(folder); folder = Path.GetDirectoryName(folder)!)
        {
            missing.Push(folder);
        }

        while (missing.TryPop(out var folder))
        {
            Directory.CreateDirectory(folder, OwnerOnlyFolder);
        }

        return new DirectoryInfo(path);
    }

    /// <summary>Opens a file like <see cref="FileStream"/>'s constructor; a file it creates is owner-only.</summary>
    public static FileStream Open(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize = 4096, bool useAsync = false)
    {
        var options = new FileStreamOptions
        {
            Mode = mode,
            Access = access,
            Share = share,
            BufferSize = bufferSize,
            Options = useAsync ? FileOptions.Asynchronous : FileOptions.None,
        };
        if (!OperatingSystem.IsWindows() && mode is not (FileMode.Open or FileMode.Truncate))
        {
            options.UnixCreateMode = OwnerOnlyFile; // Only these modes create a file; the others refuse a create mode.
        }

        return new FileStream(path, options);
    }

    /// <summary>Makes a file that exists owner-only (one written by an older build, or under a looser umask); a missing one is skipped.</summary>
    public static void Restrict(string path)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(path))
        {
            File.SetUnixFileMode(path, OwnerOnlyFile);
        }
    }
}
