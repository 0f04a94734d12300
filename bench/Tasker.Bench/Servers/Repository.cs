namespace Tasker.Bench.Servers;

/// <summary>Where the Tasker repository is: the nearest folder above this program that holds Tasker.sln.</summary>
public static class Repository
{
    /// <summary>The repository's root folder.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Tasker.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Tasker.sln not found above the bench program or the current directory");
    }
}
