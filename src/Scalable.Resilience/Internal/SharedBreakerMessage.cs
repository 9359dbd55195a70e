using System.Globalization;

namespace Scalable.Resilience.Internal;

// The pub/sub message of a shared breaker: verb|instance id|break milliseconds. close: one opener's probe succeeded
// (the others read the shared state before they close); reset: CloseAsync, which closes every instance.
internal readonly record struct SharedBreakerMessage(string Verb, string InstanceId, TimeSpan? BreakDuration)
{
    public const string OpenVerb = "open";
    public const string IsolateVerb = "isolate";
    public const string CloseVerb = "close";
    public const string ResetVerb = "reset";

    public static string Open(string instanceId, TimeSpan breakDuration)
        => string.Create(CultureInfo.InvariantCulture, $"{OpenVerb}|{instanceId}|{(long)breakDuration.TotalMilliseconds}");

    public static string Isolate(string instanceId) => $"{IsolateVerb}|{instanceId}";

    public static string Close(string instanceId) => $"{CloseVerb}|{instanceId}";

    public static string Reset(string instanceId) => $"{ResetVerb}|{instanceId}";

    public static bool TryParse(string? text, out SharedBreakerMessage message)
    {
        message = default;
        var parts = text?.Split('|');
        if (parts is not { Length: >= 2 } || parts[0] is not (OpenVerb or IsolateVerb or CloseVerb or ResetVerb))
        {
            return false;
        }

        TimeSpan? duration = parts.Length > 2 && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? TimeSpan.FromMilliseconds(ms)
            : null;
        message = new SharedBreakerMessage(parts[0], parts[1], duration);
        return true;
    }
}
