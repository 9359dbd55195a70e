using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Scalable.Caching.Internal;

// The L2 byte layout, versioned so a future layout can be told apart and skipped, never misread:
// magic 'S', version, flags (bit 0: has value), created, logical expiry, hard expiry (unix ms, int64 LE),
// delta ms (int32 LE), tag count (uint16 LE), each tag as uint16 LE length + UTF-8, then the payload.
internal static class EntryFormat
{
    public const byte Magic = (byte)'S';
    public const byte Version = 1;

    // Tag lengths and the tag count are uint16 in the layout; options are checked against these before anything runs.
    public const int MaximumTagBytes = ushort.MaxValue;
    public const int MaximumTagCount = ushort.MaxValue;
    private const int FixedHeader = 3 + 8 + 8 + 8 + 4 + 2;

    public static void WriteHeader(in EntryMeta meta, IBufferWriter<byte> destination)
    {
        var size = FixedHeader;
        foreach (var tag in meta.Tags)
        {
            size += 2 + Encoding.UTF8.GetByteCount(tag);
        }

        var span = destination.GetSpan(size);
        span[0] = Magic;
        span[1] = Version;
        span[2] = meta.HasValue ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64LittleEndian(span[3..], meta.CreatedMs);
        BinaryPrimitives.WriteInt64LittleEndian(span[11..], meta.LogicalExpiryMs);
        BinaryPrimitives.WriteInt64LittleEndian(span[19..], meta.HardExpiryMs);
        BinaryPrimitives.WriteInt32LittleEndian(span[27..], meta.DeltaMs);
        BinaryPrimitives.WriteUInt16LittleEndian(span[31..], checked((ushort)meta.Tags.Length));
        var offset = FixedHeader;
        foreach (var tag in meta.Tags)
        {
            var length = Encoding.UTF8.GetBytes(tag, span[(offset + 2)..]);
            BinaryPrimitives.WriteUInt16LittleEndian(span[offset..], checked((ushort)length));
            offset += 2 + length;
        }

        destination.Advance(size);
    }

    // What a removal leaves in L2: an entry created at the removal that no reader can use (its hard expiry is long past,
    // so every version of the format treats it as a miss), kept only so older values are refused.
    public static byte[] Tombstone(long stampMs)
    {
        var buffer = new ArrayBufferWriter<byte>(FixedHeader);
        WriteHeader(new EntryMeta(false, stampMs, 0, 0, 0, []), buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public static bool TryReadCreatedMs(ReadOnlySpan<byte> data, out long createdMs)
    {
        var known = data.Length >= FixedHeader && data[0] == Magic && data[1] == Version;
        createdMs = known ? BinaryPrimitives.ReadInt64LittleEndian(data[3..]) : 0;
        return known;
    }

    public static bool TryRead(ReadOnlySpan<byte> data, out EntryMeta meta, out int payloadOffset)
    {
        meta = default;
        payloadOffset = 0;
        if (data.Length < FixedHeader || data[0] != Magic || data[1] != Version)
        {
            return false;
        }

        var tagCount = BinaryPrimitives.ReadUInt16LittleEndian(data[31..]);
        var tags = tagCount == 0 ? [] : new string[tagCount];
        var offset = FixedHeader;
        for (var i = 0; i < tagCount; i++)
        {
            if (data.Length < offset + 2)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadUInt16LittleEndian(data[offset..]);
            if (data.Length < offset + 2 + length)
            {
                return false;
            }

            tags[i] = Encoding.UTF8.GetString(data.Slice(offset + 2, length));
            offset += 2 + length;
        }

        meta = new EntryMeta(
            (data[2] & 1) != 0,
            BinaryPrimitives.ReadInt64LittleEndian(data[3..]),
            BinaryPrimitives.ReadInt64LittleEndian(data[11..]),
            BinaryPrimitives.ReadInt64LittleEndian(data[19..]),
            BinaryPrimitives.ReadInt32LittleEndian(data[27..]),
            tags);
        payloadOffset = offset;
        return true;
    }
}
