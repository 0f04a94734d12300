namespace Tasker;

/// <summary>
/// A task grain refused a submission that the front end's seam should have refused first (defence in depth,
/// docs/adr/028): a type that is switched off, a caller without the right, another user's client. Nothing was stored.
/// The front end answers it as a 403; seeing one means a way in skipped the seam.
/// </summary>
[GenerateSerializer, Alias("tasker.SubmissionRefusedException")]
public sealed class SubmissionRefusedException : Exception
{
    public SubmissionRefusedException()
    {
    }

    public SubmissionRefusedException(string message)
        : base(message)
    {
    }

    public SubmissionRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
