using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace Scalable.Caching.Internal;

// The serializer the cache uses: for each type, an IHybridCacheSerializer<T> registered in DI, else the last registered
// IHybridCacheSerializerFactory that accepts the type (as HybridCache resolves them), else the Scalable serializer.
internal sealed class HybridSerializers(IServiceProvider services, IScalableCacheSerializer fallback) : IScalableCacheSerializer
{
    private readonly ConcurrentDictionary<Type, object?> _byType = new();
    private readonly IHybridCacheSerializerFactory[] _factories = [.. services.GetServices<IHybridCacheSerializerFactory>().Reverse()];

    public void Serialize<T>(T value, IBufferWriter<byte> destination)
    {
        if (For<T>() is { } serializer)
        {
            serializer.Serialize(value, destination);
        }
        else
        {
            fallback.Serialize(value, destination);
        }
    }

    public T Deserialize<T>(ReadOnlySpan<byte> source)
        => For<T>() is { } serializer ? serializer.Deserialize(new ReadOnlySequence<byte>(source.ToArray())) : fallback.Deserialize<T>(source);

    private IHybridCacheSerializer<T>? For<T>()
        => (IHybridCacheSerializer<T>?)_byType.GetOrAdd(typeof(T), static (_, self) => self.Find<T>(), this);

    private IHybridCacheSerializer<T>? Find<T>()
    {
        if (services.GetService<IHybridCacheSerializer<T>>() is { } registered)
        {
            return registered;
        }

        foreach (var factory in _factories)
        {
            if (factory.TryCreateSerializer<T>(out var created))
            {
                return created;
            }
        }

        return null;
    }
}
