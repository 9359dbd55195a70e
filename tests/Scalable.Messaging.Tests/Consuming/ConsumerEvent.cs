namespace Scalable.Messaging.Tests.Consuming;

// The consumer's log event ids (src/Scalable.Messaging/Consuming/ConsumerLog.cs) that tests look for: users filter on them,
// so the tests spell the numbers out rather than read them from the library.
internal static class ConsumerEvent
{
    public const int Stopped = 5102;
    public const int Duplicate = 5106;
    public const int StopTimedOut = 5111;
}
