using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Scalable.Sharding;

namespace Scalable.Samples.Tests.ZeroDowntime;

/// <summary>What the rolling-restart test checks besides the responses: an instance draining, the single-flight loader, the consumer's records.</summary>
internal static partial class RollChecks
{
    // An instance sent SIGTERM: readiness turns 503 while liveness stays 200 and ordinary requests are still served, before it exits.
    public static async Task AssertDrainingAsync(SampleProcess process, Guid user)
    {
        using var client = new HttpClient { BaseAddress = process.Address, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await client.GetAsync("/health/ready")).StatusCode != HttpStatusCode.ServiceUnavailable)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Readiness of the instance on port {process.Port} did not turn 503 after SIGTERM.");
            await Task.Delay(20);
        }

        // Still inside the drain window: the process has not stopped listening yet.
        var live = client.GetAsync("/health/live");
        var read = client.GetAsync($"/users/{user}");
        var ready = client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, (await live).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await read).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await ready).StatusCode);
        Assert.Null(process.ExitCode);

        // A connection the instance accepted but whose request it has not read yet (what a proxy's fresh connection is for a
        // moment) is not cut when the drain ends: the instance first stops listening (new connections are refused, and a
        // proxy retries those elsewhere for any method), and only then stops, so the request sent on it is still answered.
        using var held = new System.Net.Sockets.TcpClient();
        await held.ConnectAsync(IPAddress.Loopback, process.Port);
        while (await AcceptsAsync(process.Port))
        {
            Assert.True(DateTime.UtcNow < deadline, $"The instance on port {process.Port} kept listening after its drain.");
            await Task.Delay(20);
        }

        var stream = held.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET /users/{user} HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
        var status = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("HTTP/1.1 200 OK", status);
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var probe = new System.Net.Sockets.TcpClient();
        try
        {
            await probe.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    // Writes a user straight into its shard, so that no cache on any instance holds it.
    public static async Task<Guid> InsertUncachedUserAsync(IServiceProvider services)
    {
        var id = Guid.NewGuid();
        await using var connection = await services.GetRequiredService<ShardedDatabase>().OpenConnectionAsync(id);
        await using var insert = new NpgsqlCommand("INSERT INTO users (id, name, email) VALUES ($1, 'Burst', 'burst@example.com')", connection);
        insert.Parameters.Add(new() { Value = id });
        await insert.ExecuteNonQueryAsync();
        return id;
    }

    // The sum over the instances of the cache's factory-run counter, from each one's Prometheus endpoint.
    public static async Task<long> FactoryRunsAsync(IEnumerable<SampleProcess> processes)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var total = 0L;
        foreach (var process in processes)
        {
            var text = await client.GetStringAsync(new Uri(process.Address, "/metrics"));
            total += FactoryRunLine().Matches(text).Sum(m => (long)double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        }

        return total;
    }

    // Waits until the consumer recorded a 'created' event for every user, then checks that none was recorded twice.
    public static async Task AssertEachCreatedOnceAsync(IServiceProvider services, IReadOnlyCollection<Guid> users)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var events = await CreatedEventsAsync(services, users);
        while (events.Count < users.Count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"After 90 s the consumer had recorded {events.Count} of {users.Count} acknowledged creates.");
            await Task.Delay(250);
            events = await CreatedEventsAsync(services, users);
        }

        Assert.All(events, e => Assert.Equal(1, e.Value));
    }

    // For each user, how many 'created' events the consumer recorded (users without any are left out).
    private static async Task<Dictionary<Guid, long>> CreatedEventsAsync(IServiceProvider services, IReadOnlyCollection<Guid> users)
    {
        var database = services.GetRequiredService<ShardedDatabase>();
        var counts = new Dictionary<Guid, long>();
        foreach (var shard in database.Topology.Shards)
        {
            await using var connection = await database.OpenConnectionAsync(shard);
            await using var command = new NpgsqlCommand("SELECT user_id, count(*) FROM user_events WHERE type = 'created' AND user_id = ANY($1) GROUP BY user_id", connection);
            command.Parameters.Add(new() { Value = users.ToArray() });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                counts[reader.GetGuid(0)] = reader.GetInt64(1);
            }
        }

        return counts;
    }

    [GeneratedRegex(@"^scalable_cache_factory_runs(?:_total)?(?:\{[^}]*\})? (\S+)", RegexOptions.Multiline)]
    private static partial Regex FactoryRunLine();
}
