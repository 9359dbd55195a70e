namespace Scalable.Messaging.Consuming;

// What happened to one try of a message: the handler's own failure counts against the message, a failed step of the loop does not.
internal readonly record struct ProcessOutcome(ProcessStatus Status, Exception? Error = null);

internal enum ProcessStatus
{
    Handled,
    Duplicate,
    HandlerFailed,
    StepFailed,
}
