using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Scalable.Samples.UsersApi;

/// <summary>Healthy when a Kafka broker answers a metadata request for the users topic.</summary>
internal sealed class KafkaHealthCheck(SampleServers servers) : IHealthCheck, IDisposable
{
    private readonly Lazy<IAdminClient> _admin = new(() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = servers.Kafka }).Build());

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // GetMetadata blocks: keep it off the request thread.
            var metadata = await Task.Run(() => _admin.Value.GetMetadata(SampleServers.Topic, TimeSpan.FromSeconds(2)), cancellationToken);
            var topic = metadata.Topics.SingleOrDefault(t => t.Topic == SampleServers.Topic);
            return topic is { Error.IsError: false }
                ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s), topic {SampleServers.Topic} with {topic.Partitions.Count} partitions.")
                : new HealthCheckResult(context.Registration.FailureStatus, $"Topic {SampleServers.Topic}: {topic?.Error.Reason ?? "missing"}.");
        }
        catch (KafkaException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "No Kafka broker answered.", ex);
        }
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated)
        {
            _admin.Value.Dispose();
        }
    }
}
