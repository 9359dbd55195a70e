namespace Scalable.Messaging.Consuming;

// The message a partition is stuck on: its offset, how often the handler and the loop's own steps failed on it, and when it is tried again.
internal sealed class RetryState(long offset)
{
    public long Offset { get; } = offset;

    public int HandlerFailures { get; set; }

    public int StepFailures { get; set; }

    public string LastError { get; set; } = "";

    public long ResumeAt { get; set; }

    public bool Paused { get; set; }
}
