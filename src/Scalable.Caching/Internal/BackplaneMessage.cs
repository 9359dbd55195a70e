using System.Globalization;

namespace Scalable.Caching.Internal;

// A cross-instance notice on the Redis channel: "sender|kind|stamp|name".
// Kinds: S = key set (evict L1, wake waiters), R = key removed (evict L1), T = tag removed at stamp,
// L = lease released without a value (wake waiters so one of them computes).
internal readonly record struct BackplaneMessage(string Sender, char Kind, long StampMs, string Name)
{
    public const char Set = 'S';
    public const char Removed = 'R';
    public const char Tag = 'T';
    public const char LeaseReleased = 'L';

    public string Encode() => string.Create(CultureInfo.InvariantCulture, $"{Sender}|{Kind}|{StampMs}|{Name}");

    public static bool TryDecode(string? text, out BackplaneMessage message)
    {
        message = default;
        if (text is null)
        {
            return false;
        }

        var parts = text.Split('|', 4);
        if (parts.Length != 4 || parts[1].Length != 1 || !long.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var stamp))
        {
            return false;
        }

        message = new BackplaneMessage(parts[0], parts[1][0], stamp, parts[3]);
        return true;
    }
}
