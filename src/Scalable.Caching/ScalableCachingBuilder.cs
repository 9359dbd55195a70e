using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scalable.Caching.Internal;
using StackExchange.Redis;

namespace Scalable.Caching;

/// <summary>Adds the optional parts of Scalable.Caching: an L2 (Redis or any IDistributedCache) and the serializer.</summary>
public sealed class ScalableCachingBuilder
{
    internal ScalableCachingBuilder(IServiceCollection services, string? name)
    {
        Services = services;
        Name = name;
    }

    /// <summary>Gets the service collection the cache is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Gets the name of the cache this builder sets up, or null for the default (unnamed) cache.</summary>
    public string? Name { get; }

    /// <summary>Uses the <see cref="IConnectionMultiplexer"/> registered in DI as L2, lease store and backplane.</summary>
    /// <returns>This builder, for chaining.</returns>
    public ScalableCachingBuilder WithRedis()
        => UseL2(new L2Registration { Redis = static sp => sp.GetRequiredService<IConnectionMultiplexer>() });

    /// <summary>Uses a Redis connection made by a factory as L2, lease store and backplane; the cache does not dispose it.</summary>
    /// <param name="connect">Returns the connection.</param>
    /// <returns>This builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="connect"/> is null.</exception>
    public ScalableCachingBuilder WithRedis(Func<IServiceProvider, IConnectionMultiplexer> connect)
    {
        ArgumentNullException.ThrowIfNull(connect);
        return UseL2(new L2Registration { Redis = connect });
    }

    /// <summary>Connects to Redis with a StackExchange.Redis configuration string (abortConnect is forced off, so start-up never fails on a down server); the cache owns the connection.</summary>
    /// <param name="connectionString">The configuration string, e.g. "localhost:6379".</param>
    /// <returns>This builder, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is null or empty.</exception>
    public ScalableCachingBuilder WithRedis(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var configuration = ConfigurationOptions.Parse(connectionString);
        configuration.AbortOnConnectFail = false;
        return UseL2(new L2Registration { Redis = _ => ConnectionMultiplexer.Connect(configuration), OwnsRedis = true });
    }

    /// <summary>Uses the <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/> registered in DI as L2 (no fleet-wide single-flight or backplane: those need Redis).</summary>
    /// <returns>This builder, for chaining.</returns>
    public ScalableCachingBuilder WithDistributedCache() => UseL2(new L2Registration { UseDistributedCache = true });

    /// <summary>Replaces the default System.Text.Json serializer (for every cache in the service collection).</summary>
    /// <param name="serializer">The serializer.</param>
    /// <returns>This builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serializer"/> is null.</exception>
    public ScalableCachingBuilder WithSerializer(IScalableCacheSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        Services.Replace(ServiceDescriptor.Singleton(serializer));
        return this;
    }

    /// <summary>Makes the default serializer use source-generated metadata for one type.</summary>
    /// <typeparam name="T">The cached type.</typeparam>
    /// <param name="typeInfo">The metadata, e.g. MyJsonContext.Default.MyType.</param>
    /// <returns>This builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="typeInfo"/> is null.</exception>
    public ScalableCachingBuilder WithJsonTypeInfo<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        Services.AddSingleton(new JsonTypeInfoRegistration(serializer => serializer.Add(typeInfo)));
        return this;
    }

    // One L2 per cache: the last choice made for this name wins.
    private ScalableCachingBuilder UseL2(L2Registration registration)
    {
        var existing = Services.FirstOrDefault(d => d.ServiceType == typeof(L2Registration) && Equals(d.ServiceKey, Name));
        if (existing is not null)
        {
            Services.Remove(existing);
        }

        Services.Add(Name is null ? ServiceDescriptor.Singleton(registration) : ServiceDescriptor.KeyedSingleton(Name, registration));
        return this;
    }
}
