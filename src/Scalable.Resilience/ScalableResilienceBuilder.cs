using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalable.Resilience.Internal;
using StackExchange.Redis;

namespace Scalable.Resilience;

/// <summary>Adds the optional parts of Scalable.Resilience: more pipelines, named rate limiters and Redis for shared breaker state.</summary>
public sealed class ScalableResilienceBuilder
{
    internal ScalableResilienceBuilder(IServiceCollection services) => Services = services;

    /// <summary>Gets the service collection being configured.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adds (or changes) a standard pipeline; settings from configuration are applied first, this callback after them.</summary>
    /// <param name="name">The pipeline name used with the registry.</param>
    /// <param name="configure">Changes the preset's settings, or null to keep the defaults.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public ScalableResilienceBuilder AddPipeline(string name, Action<StandardPipelineOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Services.PostConfigure<ScalableResilienceOptions>(options =>
        {
            if (!options.Pipelines.TryGetValue(name, out var pipeline))
            {
                pipeline = new StandardPipelineOptions();
                options.Pipelines[name] = pipeline;
            }

            configure?.Invoke(pipeline);
        });
        return this;
    }

    /// <summary>Registers a rate limiter under a name, for pipelines whose <see cref="StandardRateLimitOptions.LimiterName"/> names it (and as a keyed <see cref="RateLimiter"/> service).</summary>
    /// <param name="name">The limiter name.</param>
    /// <param name="factory">Creates the limiter once; the container disposes it.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is null.</exception>
    /// <exception cref="InvalidOperationException">A rate limiter of that name is already registered.</exception>
    public ScalableResilienceBuilder AddRateLimiter(string name, Func<IServiceProvider, RateLimiter> factory)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(factory);
        EnsureNewLimiterName(name);
        Services.AddKeyedSingleton(name, (services, _) => factory(services));
        return this;
    }

    /// <summary>Names the Redis connection of the registered Redis limiters and of breaker state shared across instances (<see cref="StandardCircuitBreakerOptions.SharedName"/>).</summary>
    /// <param name="connection">Returns the connection; called on first use off the caller's thread, and called again on a later use if it threw (for example Redis down at start), until it succeeds once.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><see cref="WithRedis"/> was already called on this service collection.</exception>
    public ScalableResilienceBuilder WithRedis(Func<IServiceProvider, IConnectionMultiplexer> connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (Services.Any(descriptor => descriptor.ServiceType == typeof(RedisConnectionSource)))
        {
            // A second connection would be silently ignored (limiters and breakers would use the first): say so instead.
            throw new InvalidOperationException("WithRedis(...) was already called for Scalable.Resilience in this service collection; call it once, with the connection every limiter and shared breaker uses.");
        }

        Services.TryAddSingleton(services => new RedisConnectionSource(() => connection(services)));
        Services.TryAddSingleton(services => new SharedCircuitBreakers(
            services.GetRequiredService<RedisConnectionSource>(),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<ILoggerFactory>(),
            services.GetRequiredService<ResilienceMetrics>()));
        return this;
    }

    /// <summary>Registers a Redis GCRA limiter under a name (Redis from <see cref="WithRedis"/>), with its options validated at start.</summary>
    /// <param name="name">The limiter name; also the default <see cref="RedisRateLimiterOptions.Name"/>.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public ScalableResilienceBuilder AddRedisGcraRateLimiter(string name, Action<RedisGcraRateLimiterOptions>? configure = null)
        => AddRedisLimiter(name, configure, (redis, options, services) => new RedisGcraRateLimiter(redis, options, string.Empty, services));

    /// <summary>Registers a Redis sliding-window limiter under a name (Redis from <see cref="WithRedis"/>), with its options validated at start.</summary>
    /// <param name="name">The limiter name; also the default <see cref="RedisRateLimiterOptions.Name"/>.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public ScalableResilienceBuilder AddRedisSlidingWindowRateLimiter(string name, Action<RedisSlidingWindowRateLimiterOptions>? configure = null)
        => AddRedisLimiter(name, configure, (redis, options, services) => new RedisSlidingWindowRateLimiter(redis, options, string.Empty, services));

    /// <summary>Registers a Redis concurrency limiter with expiring leases under a name (Redis from <see cref="WithRedis"/>), with its options validated at start.</summary>
    /// <param name="name">The limiter name; also the default <see cref="RedisRateLimiterOptions.Name"/>.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public ScalableResilienceBuilder AddRedisConcurrencyLimiter(string name, Action<RedisConcurrencyLimiterOptions>? configure = null)
        => AddRedisLimiter(name, configure, (redis, options, services) => new RedisConcurrencyLimiter(redis, options, string.Empty, services));

    /// <summary>Registers an adaptive concurrency limiter under a name, with its options validated at start.</summary>
    /// <param name="name">The limiter name; also the default <see cref="AdaptiveConcurrencyLimiterOptions.Name"/>.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public ScalableResilienceBuilder AddAdaptiveConcurrencyLimiter(string name, Action<AdaptiveConcurrencyLimiterOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        EnsureNewLimiterName(name);
        Services.AddOptions<AdaptiveConcurrencyLimiterOptions>(name)
            .Configure(options =>
            {
                options.Name = name;
                configure?.Invoke(options);
            })
            .ValidateOnStart();
        Services.AddSingleton<IValidateOptions<AdaptiveConcurrencyLimiterOptions>>(new ThrowingOptionsValidator<AdaptiveConcurrencyLimiterOptions>(name, options => options.Validate()));
        return AddRateLimiter(name, services => new AdaptiveConcurrencyLimiter(
            services.GetRequiredService<IOptionsMonitor<AdaptiveConcurrencyLimiterOptions>>().Get(name),
            services.GetService<TimeProvider>(),
            services.GetService<ILoggerFactory>()?.CreateLogger<AdaptiveConcurrencyLimiter>(),
            services.GetRequiredService<ResilienceMetrics>(),
            ownsMetrics: false));
    }

    private ScalableResilienceBuilder AddRedisLimiter<TOptions>(string name, Action<TOptions>? configure, Func<RedisConnectionSource, TOptions, LimiterServices, RateLimiter> create)
        where TOptions : RedisRateLimiterOptions
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        EnsureNewLimiterName(name);
        Services.AddOptions<TOptions>(name)
            .Configure(options =>
            {
                options.Name = name;
                configure?.Invoke(options);
            })
            .ValidateOnStart();
        Services.AddSingleton<IValidateOptions<TOptions>>(new ThrowingOptionsValidator<TOptions>(name, options => options.Validate()));
        return AddRateLimiter(name, services =>
        {
            var redis = services.GetService<RedisConnectionSource>()
                ?? throw new InvalidOperationException($"The Redis rate limiter '{name}' needs a Redis connection; call WithRedis(...) on the Scalable resilience builder.");
            return create(redis, services.GetRequiredService<IOptionsMonitor<TOptions>>().Get(name), LimiterServices.From(services));
        });
    }

    // A second registration under one name used to be dropped silently (TryAdd): the pipeline would get the first limiter
    // with the second one's settings nowhere. Keyed services compare string keys ordinally, as LimiterName is matched.
    private void EnsureNewLimiterName(string name)
    {
        if (Services.Any(descriptor => descriptor.IsKeyedService && descriptor.ServiceType == typeof(RateLimiter) && Equals(descriptor.ServiceKey, name)))
        {
            throw new InvalidOperationException($"A rate limiter named '{name}' is already registered; give each limiter its own name.");
        }
    }
}
