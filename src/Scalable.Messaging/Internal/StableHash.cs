using System.Text;

namespace Scalable.Messaging.Internal;

// FNV-1a over UTF-8: stable across processes and versions, unlike string.GetHashCode.
internal static class StableHash
{
    public static uint Of(string value)
    {
        var hash = 2166136261u;
        Span<byte> buffer = value.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(value.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(value.Length)];
        var length = Encoding.UTF8.GetBytes(value, buffer);
        foreach (var b in buffer[..length])
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    public static int Bucket(string? key, Guid messageId, int bucketCount)
        => (int)((key is null ? (uint)messageId.GetHashCode() : Of(key)) % (uint)bucketCount);
}
