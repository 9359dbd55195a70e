using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Scalable.Samples.UsersApi;
using Scalable.TestSupport;
using Xunit.Abstractions;

namespace Scalable.Samples.Tests.ZeroDowntime;

// Three real sample processes behind nginx, on the collection's shared servers, under a load client that records every response.
[Collection(SampleClusterCollection.Name)]
public sealed class RollingRestartTests(SampleCluster cluster, ITestOutputHelper output)
{
    private const int Instances = 3;
    private const int Workers = 8;

    [Fact]
    public async Task A_rolling_restart_under_load_fails_no_request_and_a_sigkill_fails_at_most_the_requests_in_flight_on_that_instance()
    {
        var processes = Enumerable.Range(0, Instances).Select(_ => new SampleProcess(FreePort(), Arguments())).ToList();
        try
        {
            processes.ForEach(p => p.Start());
            await Task.WhenAll(processes.Select(p => p.WaitReadyAsync()));
            await using var nginx = await NginxProcess.StartAsync(FreePort(), processes.Select(p => p.Port));
            using var setup = new HttpClient { BaseAddress = nginx.Address };
            var users = new List<Guid>();
            for (var i = 0; i < 20; i++)
            {
                users.Add((await setup.CreateUserAsync($"Roll {i}", $"roll.{i}@example.com")).Id);
            }

            await using var load = new LoadClient(nginx.Address, users, Workers);
            load.Start();
            await Task.Delay(TimeSpan.FromSeconds(2));

            // Rolling restart: one instance at a time is stopped (SIGTERM), started again and waited for until ready. The first
            // one is watched while it drains; once it is back, a burst of reads for one uncached user goes to all three.
            load.Phase = "roll";
            var burst = new List<HttpResponseMessage>();
            var loaderRuns = 0L;
            foreach (var process in processes)
            {
                await process.TerminateAsync();
                if (process == processes[0])
                {
                    await RollChecks.AssertDrainingAsync(process, users[0]);
                }

                await process.WaitForExitAsync();
                Assert.True(process.ExitCode == 0, $"The sample exited with {process.ExitCode} after SIGTERM: {process.Output}");
                process.Start();
                await process.WaitReadyAsync();
                if (process == processes[0])
                {
                    var uncached = await RollChecks.InsertUncachedUserAsync(cluster.B.Services);
                    var runsBefore = await RollChecks.FactoryRunsAsync(processes);
                    burst.AddRange(await Task.WhenAll(Enumerable.Range(0, 30).Select(i => ReadAsync(processes[i % Instances], uncached))));
                    // The Prometheus exporter caches a scrape for 300 ms: ask until the run shows (it must, a read missed).
                    await Eventually.TrueAsync(
                        async () => (loaderRuns = await RollChecks.FactoryRunsAsync(processes) - runsBefore) >= 1,
                        TimeSpan.FromSeconds(10),
                        "the loader run to show in the instances' /metrics");
                }
            }

            load.Phase = "after roll";
            await Task.Delay(TimeSpan.FromSeconds(2));

            // One instance killed outright.
            load.Phase = "kill";
            await processes[1].KillAsync();
            await Task.Delay(TimeSpan.FromSeconds(3));
            var outcomes = await load.StopAsync();

            Report(outcomes);
            output.WriteLine(nginx.ErrorLog);
            var rollFailures = outcomes.Where(o => o.Phase is "steady" or "roll" or "after roll" && o.Failed).ToList();
            Assert.True(rollFailures.Count == 0, "Failed during the rolling restart: " + string.Join("; ", rollFailures.Take(10)));
            Assert.Contains(outcomes, o => o.Phase == "roll" && o.Status == 200);

            // SIGKILL: only requests that were on the killed instance may fail, and nginx retries the idempotent ones elsewhere.
            var killFailures = outcomes.Where(o => o.Phase == "kill" && o.Failed).ToList();
            Assert.True(killFailures.Count <= Workers, $"{killFailures.Count} requests failed after the SIGKILL: " + string.Join("; ", killFailures.Take(10)));
            Assert.All(killFailures, o => Assert.Equal("POST", o.Kind));
            Assert.Contains(outcomes, o => o.Phase == "kill" && o.Status == 200);

            // Nothing acknowledged is lost: every user whose creation was answered 201 is there.
            using var check = cluster.B.CreateClient();
            var created = outcomes.Where(o => o.Created is not null).Select(o => o.Created!.Value).ToList();
            foreach (var id in created)
            {
                Assert.Equal(HttpStatusCode.OK, (await check.GetAsync($"/users/{id}")).StatusCode);
            }

            // The burst during the roll: every read answered, one database read (one 'miss') and one loader run across the instances.
            Assert.All(burst, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            Assert.Equal(1, burst.Count(r => r.CacheHeader() == "miss"));
            Assert.Equal(1, loaderRuns);

            // No event lost or doubled: each acknowledged create is recorded once by the consumer (instance A, which stays up;
            // redeliveries of a message the relays published twice while stopping are skipped by its inbox).
            await RollChecks.AssertEachCreatedOnceAsync(cluster.B.Services, created);
            output.WriteLine($"{created.Count} acknowledged creates, each recorded once by the consumer.");
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

    private static async Task<HttpResponseMessage> ReadAsync(SampleProcess process, Guid user)
    {
        using var client = new HttpClient { BaseAddress = process.Address, Timeout = TimeSpan.FromSeconds(30) };
        var response = await client.GetAsync($"/users/{user}");
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private List<string> Arguments()
    {
        var arguments = new List<string>
        {
            $"--Sample:Redis={cluster.Redis.Endpoint}",
            $"--Sample:Kafka={cluster.Kafka}",
            "--Sample:RunConsumer=false",
            "--Sample:RequestsPerSecond=1000000",
            "--Sample:DrainDelay=00:00:04",
            "--Logging:LogLevel:Default=Warning",
        };
        for (var i = 0; i < cluster.Shards.Count; i++)
        {
            arguments.Add(string.Create(CultureInfo.InvariantCulture, $"--Sample:Shards:{i}={cluster.Shards[i]}"));
        }

        return arguments;
    }

    // Latency per phase, for docs/performance.md.
    private void Report(IReadOnlyList<LoadClient.Outcome> outcomes)
    {
        foreach (var phase in outcomes.GroupBy(o => o.Phase))
        {
            var latencies = phase.Select(o => o.Latency.TotalMilliseconds).Order().ToArray();
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{phase.Key}: {latencies.Length} requests, p50 {latencies[latencies.Length / 2]:0.0} ms, p99 {latencies[(int)(latencies.Length * 0.99)]:0.0} ms, max {latencies[^1]:0.0} ms, failed {phase.Count(o => o.Failed)}"));
        }
    }
}
