using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Scalable.Messaging;
using Scalable.Sharding;

namespace Scalable.Samples.UsersApi;

/// <summary>Reports, per shard, how long the oldest event has waited in the outbox; past the bound the relay is behind (Kafka down, or too slow).</summary>
internal sealed class OutboxLagHealthCheck(ShardedDatabase database, IOptionsMonitor<ScalableMessagingOptions> outboxes) : IHealthCheck
{
    public static readonly TimeSpan MaxLag = TimeSpan.FromSeconds(30);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var lags = new Dictionary<string, object>(StringComparer.Ordinal);
        var behind = new List<string>();
        foreach (var shard in database.Topology.Shards)
        {
            var options = outboxes.Get(shard.Name);
            try
            {
                await using var connection = await database.OpenConnectionAsync(shard, cancellationToken: cancellationToken);
                await using var command = new NpgsqlCommand(
                    $"SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM \"{options.Schema}\".\"{options.TablePrefix}_messages\"",
                    connection);
                var seconds = (double)(await command.ExecuteScalarAsync(cancellationToken))!;
                lags[shard.Name] = Math.Round(seconds, 1);
                if (seconds > MaxLag.TotalSeconds)
                {
                    behind.Add(shard.Name);
                }
            }
            catch (NpgsqlException ex)
            {
                lags[shard.Name] = ex.Message;
                behind.Add(shard.Name);
            }
        }

        return behind.Count == 0
            ? HealthCheckResult.Healthy("Every outbox is relayed.", lags)
            : new HealthCheckResult(
                context.Registration.FailureStatus,
                string.Create(CultureInfo.InvariantCulture, $"Outbox of {string.Join(", ", behind)} older than {MaxLag.TotalSeconds} s or unreadable."),
                data: lags);
    }
}
