using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Scalable.Messaging;
using Scalable.Messaging.Consuming;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds hosted Kafka consumers, with the inbox, retries and dead letters, to Scalable.Messaging.</summary>
public static class KafkaConsumerBuilderExtensions
{
    /// <summary>Adds a hosted Kafka consumer named after its handler type; see <see cref="AddKafkaConsumer{THandler}(ScalableMessagingBuilder, string, Action{KafkaConsumerOptions})"/>.</summary>
    /// <typeparam name="THandler">The handler, resolved from a new scope for each message (registered as scoped unless already registered).</typeparam>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="configure">Sets the consumer options.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configure"/> is null.</exception>
    /// <exception cref="InvalidOperationException">A consumer with the same name is already registered.</exception>
    public static ScalableMessagingBuilder AddKafkaConsumer<THandler>(this ScalableMessagingBuilder builder, Action<KafkaConsumerOptions> configure)
        where THandler : class, IKafkaMessageHandler
        => builder.AddKafkaConsumer<THandler>(typeof(THandler).Name, configure);

    /// <summary>Adds a hosted Kafka consumer: each message is recorded in the inbox and handled in one PostgreSQL transaction, and its offset is stored only after that commits.</summary>
    /// <typeparam name="THandler">The handler, resolved from a new scope for each message (registered as scoped unless already registered).</typeparam>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="name">The consumer name, used for its options, logs and metrics.</param>
    /// <param name="configure">Sets the consumer options (validated when the host starts).</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/>, <paramref name="name"/> or <paramref name="configure"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">A consumer with the same name is already registered.</exception>
    public static ScalableMessagingBuilder AddKafkaConsumer<THandler>(this ScalableMessagingBuilder builder, string name, Action<KafkaConsumerOptions> configure)
        where THandler : class, IKafkaMessageHandler
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(KafkaConsumerRegistration) && d.ImplementationInstance is KafkaConsumerRegistration r && r.Name == name))
        {
            throw new InvalidOperationException($"A Kafka consumer named '{name}' is already registered; give each consumer its own name.");
        }

        services.AddSingleton(new KafkaConsumerRegistration(name));
        services.AddOptions<KafkaConsumerOptions>(name).Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaConsumerOptions>, KafkaConsumerOptionsValidator>());
        services.TryAddScoped<THandler>();
        services.AddSingleton<IHostedService>(sp => KafkaConsumerFactory.Create(name, sp, scoped => scoped.GetRequiredService<THandler>()));
        return builder;
    }
}
