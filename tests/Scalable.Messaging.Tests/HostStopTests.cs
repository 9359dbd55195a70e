using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

// The relay as a user runs it: AddScalableMessaging in a host, stopped with IHost.StopAsync and started again while the
// application keeps committing. docs/messaging.md promises that a graceful stop (within the shutdown timeout) finishes
// and marks the batch in flight, so nothing is published twice: every message is delivered exactly once.
public sealed class HostStopTests(MessagingFixture servers) : IClassFixture<MessagingFixture>
{
    private const int Keys = 20;
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);

    private enum Phase
    {
        BeforeStop,
        DuringStopAndDown,
        AfterRestart,
    }

    [Fact]
    public async Task Messages_committed_before_during_and_after_a_graceful_host_restart_are_each_delivered_once_and_the_host_stops_in_time()
    {
        // The broker answers 200 ms late, so the relay spends most of its time with a batch in flight, waiting for the
        // acknowledgement: the stop below lands mid-batch, where abandoning the batch would publish it twice.
        await using var kafka = await OutboxOnOwnKafka.StartAsync(servers.Postgres, "hoststop", brokers: 1, partitions: 4);
        kafka.Cluster.SetBrokerRoundTrip(1, TimeSpan.FromMilliseconds(200));
        var committed = new Dictionary<Phase, List<Guid>> { [Phase.BeforeStop] = [], [Phase.DuringStopAndDown] = [], [Phase.AfterRestart] = [] };
        var phase = (int)Phase.BeforeStop;
        const int backlog = 4_000;
        committed[Phase.BeforeStop].AddRange(await kafka.EnqueueAsync(Keys, from: 0, count: backlog));

        using var first = BuildHost(kafka.ConnectionString, kafka.BootstrapServers);
        await first.StartAsync();
        using var stopWriting = new CancellationTokenSource();
        var next = backlog;
        // The application keeps committing small transactions through the stop, the time the host is down, and the restart.
        var writing = Task.Run(async () =>
        {
            while (!stopWriting.IsCancellationRequested)
            {
                var current = (Phase)Volatile.Read(ref phase);
                var ids = await kafka.EnqueueAsync(Keys, from: next, count: Keys);
                next += Keys;
                lock (committed)
                {
                    committed[current].AddRange(ids);
                }

                await Task.Delay(100);
            }
        });

        // Stop while the relay is mid-stream: part of the backlog is out, most of it is not.
        await Eventually.TrueAsync(async () => await kafka.UnsentAsync() < backlog - 400, because: "the relay to be draining the backlog");
        Volatile.Write(ref phase, (int)Phase.DuringStopAndDown);
        var stopping = Stopwatch.StartNew();
        await first.StopAsync();
        stopping.Stop();
        Assert.True(stopping.Elapsed < ShutdownTimeout, $"the host stopped after {stopping.Elapsed}, beyond its shutdown timeout {ShutdownTimeout}");
        await Task.Delay(1000);

        using var second = BuildHost(kafka.ConnectionString, kafka.BootstrapServers);
        await second.StartAsync();
        Volatile.Write(ref phase, (int)Phase.AfterRestart);
        await Eventually.TrueAsync(() =>
        {
            lock (committed)
            {
                return committed[Phase.AfterRestart].Count >= 10 * Keys;
            }
        }, because: "the application to commit after the restart");
        await stopWriting.CancelAsync();
        await writing;
        await Eventually.TrueAsync(async () => await kafka.UnsentAsync() == 0, timeout: TimeSpan.FromSeconds(90), because: "the restarted host to publish everything");
        await second.StopAsync();

        var all = committed.Values.SelectMany(ids => ids).ToList();
        var read = kafka.ReadAll(atLeast: all.Count);
        var deliveries = read.GroupBy(m => m.MessageId).ToDictionary(g => g.Key, g => g.Count());
        foreach (var (when, ids) in committed)
        {
            Assert.True(ids.Count > 0, $"no message was committed {when}");
            var wrong = ids.Where(id => deliveries.GetValueOrDefault(id) != 1).ToList();
            Assert.True(wrong.Count == 0, $"{wrong.Count} of {ids.Count} messages committed {when} were not delivered exactly once (e.g. {string.Join(", ", wrong.Take(3).Select(id => $"{id}: {deliveries.GetValueOrDefault(id)}x"))})");
        }

        Assert.Equal(all.Count, read.Count);
        KafkaReader.AssertPerKeyOrder(read);
    }

    [Fact]
    public async Task The_relay_host_asked_to_stop_again_after_its_host_was_disposed_does_not_throw()
    {
        await using var kafka = await OutboxOnOwnKafka.StartAsync(servers.Postgres, "stopagain", brokers: 1, partitions: 1);
        var host = BuildHost(kafka.ConnectionString, kafka.BootstrapServers);
        await host.StartAsync();
        var relay = host.Services.GetServices<IHostedService>().OfType<Scalable.Messaging.Internal.OutboxRelayHost>().Single();
        await host.StopAsync();
        host.Dispose();

        // As a test server's factory does when it is disposed after the host was stopped and disposed by hand: a second
        // stop, its shutdown time already over. An exception there cut the rest of that disposal short.
        await relay.StopAsync(new CancellationToken(canceled: true));
    }

    private static IHost BuildHost(string connectionString, string bootstrapServers)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Services.AddScalableMessaging(o =>
        {
            o.ConnectionString = connectionString;
            o.Producer.BootstrapServers = bootstrapServers;
            o.BatchSize = 200;
            o.PollingInterval = TimeSpan.FromMilliseconds(200);
        });
        return builder.Build();
    }
}
