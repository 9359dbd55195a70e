using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Scalable.Caching;

/// <summary>The default serializer: System.Text.Json, using registered <see cref="JsonTypeInfo{T}"/> (source generation) where given.</summary>
public sealed class SystemTextJsonCacheSerializer : IScalableCacheSerializer
{
    private readonly ConcurrentDictionary<Type, JsonTypeInfo> _typeInfos = new();
    private readonly JsonSerializerOptions _options;

    /// <summary>Creates the serializer.</summary>
    /// <param name="options">The JSON options (set a TypeInfoResolver for source generation); null uses the web defaults (camelCase names).</param>
    public SystemTextJsonCacheSerializer(JsonSerializerOptions? options = null)
    {
        _options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
        if (!_options.IsReadOnly)
        {
            _options.MakeReadOnly(populateMissingResolver: true);
        }
    }

    /// <summary>Registers the metadata to use for one type, e.g. from a source-generated JsonSerializerContext.</summary>
    /// <typeparam name="T">The type.</typeparam>
    /// <param name="typeInfo">The metadata.</param>
    /// <returns>This serializer, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="typeInfo"/> is null.</exception>
    public SystemTextJsonCacheSerializer Add<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        _typeInfos[typeof(T)] = typeInfo;
        return this;
    }

    /// <inheritdoc />
    public void Serialize<T>(T value, IBufferWriter<byte> destination)
    {
        using var writer = new Utf8JsonWriter(destination);
        JsonSerializer.Serialize(writer, value, TypeInfo<T>());
    }

    /// <inheritdoc />
    public T Deserialize<T>(ReadOnlySpan<byte> source) => JsonSerializer.Deserialize(source, TypeInfo<T>())!;

    private JsonTypeInfo<T> TypeInfo<T>()
        => (JsonTypeInfo<T>)_typeInfos.GetOrAdd(typeof(T), static (type, options) => options.GetTypeInfo(type), _options);
}
