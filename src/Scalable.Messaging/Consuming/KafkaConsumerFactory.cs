using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Scalable.Messaging.Consuming;

// Builds one hosted consumer from its named, validated options and the services of the host.
internal static class KafkaConsumerFactory
{
    public const string LoggerCategory = "Scalable.Messaging.Consumer";

    public static KafkaConsumerHost Create(string name, IServiceProvider services, Func<IServiceProvider, IKafkaMessageHandler> resolveHandler)
    {
        var options = services.GetRequiredService<IOptionsMonitor<KafkaConsumerOptions>>().Get(name);
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger(LoggerCategory) ?? NullLogger.Instance;
        var timeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var ownedDataSource = options.ConnectionFactory is null && options.DataSource is null ? NpgsqlDataSource.Create(options.ConnectionString!) : null;
        var metrics = new ConsumerMetrics(services.GetService<IMeterFactory>(), name);
        var deadLetterProducer = new DeadLetterProducer(options);
        var processor = new MessageProcessor(
            options.Consumer.GroupId,
            options,
            options.DataSource ?? ownedDataSource,
            services,
            resolveHandler,
            new DeadLetterTable(options.Schema, options.DeadLetterTable));
        var loop = new KafkaConsumerLoop(name, options, processor, deadLetterProducer, metrics, timeProvider, logger);
        return new KafkaConsumerHost(name, loop.RunAsync, new Resources(metrics, deadLetterProducer, ownedDataSource), logger);
    }

    private sealed class Resources(params IDisposable?[] owned) : IDisposable
    {
        public void Dispose()
        {
            foreach (var resource in owned)
            {
                resource?.Dispose();
            }
        }
    }
}
