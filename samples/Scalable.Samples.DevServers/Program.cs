// Development servers for the users API sample, shared by every process build/run-sample.sh starts.
//
// STAND-IN, NOT KAFKA: the Kafka-protocol broker here is librdkafka's mock cluster (in-memory, one process, no
// persistence, no security). Real clients talk to it over TCP as to Kafka, which is enough to develop and demo.
// For real Kafka, start the apps with --Sample:Kafka=broker1:9092,broker2:9092 (topic "users" created beforehand)
// and do not start this process; --Sample:Redis and --Sample:Shards:N likewise point at real Redis and PostgreSQL.
//
// Each shard is a PostgreSQL primary with --standbys M hot standbys (1 by default) that follow it by streaming replication.
//
// Usage: Scalable.Samples.DevServers [--shards N] [--standbys M]. Prints SAMPLE_REDIS=..., SAMPLE_SHARD_i=...,
// SAMPLE_REPLICA_i_j=... (standby j of shard i), SAMPLE_KAFKA=... and then READY; stops every server on Ctrl+C or SIGTERM.
using System.Globalization;
using System.Runtime.InteropServices;
using Scalable.TestSupport;

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

var shardCount = Option("--shards", 3);
var standbyCount = Option("--standbys", 1);
var stop = new TaskCompletionSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.TrySetResult(); });

var redis = RedisServer.StartLocalAsync();
var postgres = Enumerable.Range(0, shardCount).Select(_ => PostgresReplicaSet.StartAsync(standbyCount)).ToArray();
using var kafka = KafkaMockCluster.StartLocal(brokers: 1);
kafka.CreateTopic("users", partitions: 4);
await using var redisServer = await redis;
var shards = await Task.WhenAll(postgres);
try
{
    Console.WriteLine($"SAMPLE_REDIS={redisServer.Endpoint}");
    for (var i = 0; i < shards.Length; i++)
    {
        var connectionString = await shards[i].CreateDatabaseAsync(string.Create(CultureInfo.InvariantCulture, $"users_shard{i}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SAMPLE_SHARD_{i}={connectionString}"));
        for (var j = 0; j < shards[i].Standbys.Count; j++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SAMPLE_REPLICA_{i}_{j}={shards[i].Standbys[j].Redirect(connectionString)}"));
        }
    }

    Console.WriteLine($"SAMPLE_KAFKA={kafka.BootstrapServers}");
    Console.WriteLine("SAMPLE_KAFKA_NOTE=stand-in: librdkafka mock cluster, not a Kafka broker");
    Console.WriteLine("READY");
    await stop.Task;
}
finally
{
    foreach (var shard in shards)
    {
        await shard.DisposeAsync();
    }
}
