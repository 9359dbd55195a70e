using System.Buffers;

namespace Scalable.Caching;

/// <summary>Turns cached values into bytes for L2 and back; the default is <see cref="SystemTextJsonCacheSerializer"/>.</summary>
public interface IScalableCacheSerializer
{
    /// <summary>Writes a value as bytes.</summary>
    /// <typeparam name="T">The type of the value.</typeparam>
    /// <param name="value">The value.</param>
    /// <param name="destination">Where the bytes go.</param>
    void Serialize<T>(T value, IBufferWriter<byte> destination);

    /// <summary>Reads a value from bytes written by <see cref="Serialize{T}"/>.</summary>
    /// <typeparam name="T">The type of the value.</typeparam>
    /// <param name="source">The bytes.</param>
    /// <returns>The value.</returns>
    T Deserialize<T>(ReadOnlySpan<byte> source);
}
