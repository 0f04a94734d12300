namespace Tasker;

/// <summary>The stable codes a task's <c>errorCode</c> carries beside its error text, and which of them another attempt cannot mend.</summary>
public static class TaskErrorCodes
{
    /// <summary>An attempt ran past the task's timeout and was stopped.</summary>
    public const string Timeout = "timeout";

    /// <summary>The chat endpoint refused the API key, or none was given: trying again gets the same answer.</summary>
    public const string InvalidApiKey = "invalid-api-key";

    /// <summary>A task that ran after others ended without running: a parent did not end as its <c>after_policy</c> asks.</summary>
    public const string DependencyFailed = "dependency-failed";

    /// <summary>Whether a failure with <paramref name="code"/> is never retried, whatever the task's retry policy.</summary>
    public static bool IsPermanent(string? code) => code == InvalidApiKey;
}
