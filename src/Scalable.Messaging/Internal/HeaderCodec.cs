using System.Buffers.Binary;
using System.Text;

namespace Scalable.Messaging.Internal;

// User headers are stored in one bytea column: [count][name length, name, value length (-1: null), value]..., all lengths int32 big-endian.
internal static class HeaderCodec
{
    public static byte[]? Encode(IReadOnlyDictionary<string, byte[]>? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return null;
        }

        var size = 4 + headers.Sum(h => 8 + Encoding.UTF8.GetByteCount(h.Key) + (h.Value?.Length ?? 0));
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span, headers.Count);
        var offset = 4;
        foreach (var (name, value) in headers)
        {
            var nameLength = Encoding.UTF8.GetBytes(name, span[(offset + 4)..]);
            BinaryPrimitives.WriteInt32BigEndian(span[offset..], nameLength);
            offset += 4 + nameLength;
            BinaryPrimitives.WriteInt32BigEndian(span[offset..], value?.Length ?? -1);
            offset += 4;
            value?.CopyTo(span[offset..]);
            offset += value?.Length ?? 0;
        }

        return buffer;
    }

    public static IEnumerable<KeyValuePair<string, byte[]?>> Decode(byte[]? encoded)
    {
        if (encoded is null)
        {
            yield break;
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(encoded);
        var offset = 4;
        for (var i = 0; i < count; i++)
        {
            var nameLength = BinaryPrimitives.ReadInt32BigEndian(encoded.AsSpan(offset));
            var name = Encoding.UTF8.GetString(encoded, offset + 4, nameLength);
            offset += 4 + nameLength;
            var valueLength = BinaryPrimitives.ReadInt32BigEndian(encoded.AsSpan(offset));
            offset += 4;
            byte[]? value = valueLength < 0 ? null : encoded.AsSpan(offset, valueLength).ToArray();
            offset += Math.Max(valueLength, 0);
            yield return new KeyValuePair<string, byte[]?>(name, value);
        }
    }
}
