using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Scalable.Packaging.Tests;

// A web app made the way a user makes one (UserAppFixture), run against real Redis, PostgreSQL and a Kafka-protocol
// cluster, answering HTTP through each of the four packages.
public sealed class UserPathTests(UserAppFixture app, RedisFixture redis, PostgresFixture postgres, KafkaFixture kafka, ITestOutputHelper output)
    : IClassFixture<UserAppFixture>, IClassFixture<RedisFixture>, IClassFixture<PostgresFixture>, IClassFixture<KafkaFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_app_built_from_the_quick_starts_answers_through_all_four_packages()
    {
        output.WriteLine(app.Steps);
        var topic = kafka.CreateTopic(partitions: 1, prefix: "user-orders");
        var environment = new Dictionary<string, string>
        {
            ["Redis"] = redis.Server.ConnectionString,
            ["Postgres"] = await postgres.Server.CreateDatabaseAsync("user_outbox"),
            ["Kafka"] = kafka.Cluster.BootstrapServers,
            ["Topic"] = topic,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort()}",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var shards = await postgres.Server.CreateDatabasesAsync(2);
        for (var i = 0; i < shards.Count; i++)
        {
            environment[$"Sharding__Shards__{i}__Name"] = $"shard{i}";
            environment[$"Sharding__Shards__{i}__ConnectionString"] = shards[i];
        }

        var log = new StringBuilder();
        using var process = Start(environment, log);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(environment["ASPNETCORE_URLS"]), Timeout = TimeSpan.FromSeconds(30) };
            var first = await FirstAnswerAsync(http, "/products/7", process, log);
            var second = await http.GetFromJsonAsync<ProductAnswer>("/products/7");
            Assert.Equal(new ProductAnswer(7, "product 7", 1), first);
            Assert.Equal(first, second);

            var shard = await http.GetFromJsonAsync<ShardAnswer>("/shards/{user:42}:orders");
            Assert.Equal(2, shard!.Shards);
            Assert.Contains(shard.Database, shards.Select(s => new Npgsql.NpgsqlConnectionStringBuilder(s).Database));

            // The limiter's key expires within milliseconds at 100 permits, so the proof that it decided through Redis
            // is the script call it made there.
            using (var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString + ",allowAdmin=true"))
            {
                var before = await ScriptCallsAsync(connection);
                var payment = await http.GetAsync(new Uri("/payments", UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, payment.StatusCode);
                Assert.True(await ScriptCallsAsync(connection) > before, "the payments pipeline ran no script on Redis: its limiter 'api' did not decide through Redis");
            }

            var order = await (await http.PostAsync(new Uri("/orders/42", UriKind.Relative), null)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<OrderAnswer>();
            Assert.Equal(order!.MessageId, await PublishedMessageIdAsync(topic, order.Key));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            output.WriteLine(log.ToString());
        }
    }

    private Process Start(IReadOnlyDictionary<string, string> environment, StringBuilder log)
    {
        var info = new ProcessStartInfo(ConsumerAppFixture.Dotnet) { WorkingDirectory = app.AppFolder, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(app.AppAssembly);
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    // The first request waits for the app to listen; a crashed app fails at once with its output.
    private static async Task<ProductAnswer?> FirstAnswerAsync(HttpClient http, string path, Process process, StringBuilder log)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(process.HasExited, $"The app exited with code {(process.HasExited ? process.ExitCode : 0)}:\n{Text(log)}");
            try
            {
                return await http.GetFromJsonAsync<ProductAnswer>(path);
            }
            catch (HttpRequestException) when (started.Elapsed < Deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private async Task<Guid> PublishedMessageIdAsync(string topic, string key)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = kafka.Cluster.BootstrapServers, GroupId = $"user-app-{Guid.NewGuid():N}" }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var started = Stopwatch.StartNew();
        while (started.Elapsed < Deadline)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { Message.Key: var found } result && found == key)
            {
                Assert.True(Scalable.Messaging.Inbox.TryGetMessageId(result.Message.Headers, out var id), "the published message has no message-id header");
                return id;
            }
        }

        throw new Xunit.Sdk.XunitException($"The relay did not publish {key} to {topic} within {Deadline}.");
    }

    // EVAL and EVALSHA calls the server has answered so far (INFO commandstats).
    private static async Task<long> ScriptCallsAsync(StackExchange.Redis.IConnectionMultiplexer connection)
    {
        var stats = await connection.GetServers().Single().InfoAsync("commandstats");
        return stats.SelectMany(group => group)
            .Where(entry => entry.Key is "cmdstat_eval" or "cmdstat_evalsha")
            .Sum(entry => long.Parse(entry.Value.Split(',')[0]["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    private static string Text(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    private sealed record ProductAnswer(int Id, string Name, int FactoryRuns);

    private sealed record ShardAnswer(string Database, long Shards);

    private sealed record OrderAnswer(Guid MessageId, string Key);
}
