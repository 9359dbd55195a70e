using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Scalable.Messaging.Internal;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

public sealed class TelemetryTests(MessagingFixture servers) : IClassFixture<MessagingFixture>
{
    [Fact]
    public async Task The_meter_reports_enqueued_published_and_commit_to_ack_in_seconds_for_the_outbox()
    {
        // Every broker answers 300 ms late, so no message can be acknowledged sooner than 0.3 s after its commit: a mean
        // below that is not seconds (or not measured from the commit), and milliseconds recorded as seconds would be 300+.
        var roundTrip = TimeSpan.FromMilliseconds(300);
        using var cluster = KafkaMockCluster.StartLocal(brokers: 3);
        var name = $"telemetry-{Guid.NewGuid():N}";
        var totals = new ConcurrentDictionary<string, double>();
        var units = new ConcurrentDictionary<string, string?>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Scalable.Messaging")
                {
                    units[instrument.Name] = instrument.Unit;
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "scalable.outbox.name" && (string?)tag.Value == name)
                {
                    totals.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value);
                    totals.AddOrUpdate(instrument.Name + ".count", 1, (_, count) => count + 1);
                }
            }
        }

        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.Start();
        var topic = $"outbox-{Guid.NewGuid():N}";
        cluster.CreateTopic(topic, partitions: 4, replicationFactor: 3);
        for (var broker = 1; broker <= cluster.BrokerCount; broker++)
        {
            cluster.SetBrokerRoundTrip(broker, roundTrip);
        }

        await using var outbox = await TestOutbox.CreateAsync(await servers.Postgres.CreateDatabaseAsync("telemetry"), cluster.BootstrapServers, name: name);
        await using var relays = new RunningRelays(outbox, count: 1);

        await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin(topic, keys: 3, from: 0, count: 30));

        await Eventually.TrueAsync(() => totals.GetValueOrDefault("scalable.messaging.outbox.published") == 30, because: "30 published messages to be counted");
        Assert.Equal(30, totals["scalable.messaging.outbox.enqueued"]);
        Assert.Equal(30, totals["scalable.messaging.outbox.commit_to_ack.duration.count"]);
        Assert.Equal("s", units["scalable.messaging.outbox.commit_to_ack.duration"]);
        // Upper bound: round trips (metadata, connecting, produce) plus polling on a slow shared machine, far below the 300+
        // that milliseconds recorded as seconds would give.
        Assert.InRange(totals["scalable.messaging.outbox.commit_to_ack.duration"] / 30, roundTrip.TotalSeconds, 30);
    }

    [Fact]
    public async Task The_backlog_gauges_report_pending_messages_and_the_age_of_the_oldest()
    {
        var name = $"backlog-{Guid.NewGuid():N}";
        await using var outbox = await TestOutbox.CreateAsync(await servers.Postgres.CreateDatabaseAsync("backlog"), servers.Kafka.BootstrapServers, o => o.MetricsInterval = TimeSpan.FromMilliseconds(100), name);
        await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin(servers.CreateTopic(), keys: 2, from: 0, count: 7));
        var gauges = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Scalable.Messaging" && instrument.Name.Contains("pending", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                if ((string?)tag.Value == name)
                {
                    gauges[instrument.Name] = value;
                }
            }
        }

        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();
        using var stop = new CancellationTokenSource();
        var sampling = Task.Run(() => new BacklogSampler(outbox, TimeProvider.System, NullLogger.Instance).RunAsync(stop.Token));

        await Eventually.TrueAsync(() =>
        {
            listener.RecordObservableInstruments();
            return gauges.GetValueOrDefault("scalable.messaging.outbox.pending") == 7 && gauges.GetValueOrDefault("scalable.messaging.outbox.oldest_pending.age") > 0;
        }, because: "the gauges to show 7 pending messages and a positive age");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sampling);
    }

    // Above 10,000 rows the gauge is the planner's estimate, not a count(*): it must still be in the right range.
    [Fact]
    public async Task The_pending_gauge_estimates_a_large_backlog_without_counting_it()
    {
        var name = $"large-{Guid.NewGuid():N}";
        await using var outbox = await TestOutbox.CreateAsync(await servers.Postgres.CreateDatabaseAsync("large"), servers.Kafka.BootstrapServers, o => o.MetricsInterval = TimeSpan.FromMilliseconds(100), name);
        await using (var fill = outbox.DataSource.CreateCommand("""
            INSERT INTO scalable.outbox_messages (message_id, bucket, topic, key, payload, created_at)
            SELECT gen_random_uuid(), i % 64, 't', 'k' || (i % 100), '\x00', now() FROM generate_series(1, 30000) AS i;
            ANALYZE scalable.outbox_messages;
            """))
        {
            await fill.ExecuteNonQueryAsync();
        }

        var pending = -1L;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Scalable.Messaging" && instrument.Name == "scalable.messaging.outbox.pending")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if ((string?)tag.Value == name)
                {
                    Interlocked.Exchange(ref pending, value);
                }
            }
        });
        listener.Start();
        using var stop = new CancellationTokenSource();
        var sampling = Task.Run(() => new BacklogSampler(outbox, TimeProvider.System, NullLogger.Instance).RunAsync(stop.Token));

        await Eventually.TrueAsync(() =>
        {
            listener.RecordObservableInstruments();
            return Interlocked.Read(ref pending) > 0;
        }, because: "the gauge to report the backlog");
        Assert.InRange(Interlocked.Read(ref pending), 20_000, 45_000);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sampling);
    }
}
