namespace Tasker.Client.CommandLine;

/// <summary>What <c>tasker</c> exits with.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked; for <c>wait</c> and <c>submit --wait</c>, the task succeeded.</summary>
    public const int Ok = 0;

    /// <summary>The awaited task ended, but failed or was cancelled.</summary>
    public const int TaskDidNotSucceed = 1;

    /// <summary>Bad usage, or the server answered with an error, or could not be reached.</summary>
    public const int Error = 2;

    /// <summary>The awaited task had not ended when <c>--timeout</c> passed.</summary>
    public const int TimedOut = 3;

    /// <summary>Interrupted (Ctrl+C), as shells report SIGINT.</summary>
    public const int Interrupted = 130;
}
