using BenchmarkDotNet.Attributes;
using Confluent.Kafka;
using Npgsql;
using Scalable.Messaging;
using Scalable.Messaging.Internal;
using Scalable.TestSupport;

namespace Scalable.Benchmarks.Messaging;

// One relay read (16 claimed buckets of 64, batch of 1000) with 10k, 100k and 1M pending rows (100-byte payloads, made
// with generate_series): the per-bucket read through the (bucket, id) index, against the earlier single read over all
// claimed buckets. Two shapes: rows of all buckets interleaved, and the claimed buckets' rows the newest quarter (as when
// other relays have drained the other buckets' older rows first). Per operation = one read.
// Run with: --inProcess --launchCount 1 --warmupCount 2 --iterationCount 8 (see docs/performance.md, "Outbox relay").
public class OutboxBatchReadBenchmarks
{
    private const int BatchSize = 1000;

    // The read before this change, kept here as the baseline.
    private const string EarlierReadSql = """
        SELECT o.id, o.message_id, o.topic, o.key, o.payload, o.headers, o.traceparent, o.tracestate, o.created_at, o.attempts
        FROM scalable.outbox_messages o
        WHERE o.bucket = ANY($1) AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= $2)
          AND NOT EXISTS (SELECT 1 FROM scalable.outbox_messages p
                          WHERE p.next_attempt_at IS NOT NULL AND p.bucket = o.bucket AND p.key = o.key AND p.id < o.id AND p.next_attempt_at > $2)
          AND NOT EXISTS (SELECT 1 FROM scalable.outbox_held_keys h WHERE h.key = o.key)
        ORDER BY o.id
        LIMIT $3
        """;

    private readonly int[] _buckets = Enumerable.Range(0, 16).ToArray();
    private PostgresServer _postgres = null!;
    private Outbox _outbox = null!;
    private BatchStore _store = null!;
    private NpgsqlConnection _connection = null!;

    [Params(10_000, 100_000, 1_000_000)]
    public int Pending { get; set; }

    [Params(false, true)]
    public bool ClaimedNewest { get; set; }

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public async Task<int> EarlierReadSortingEveryRow()
    {
        await using var command = new NpgsqlCommand(EarlierReadSql, _connection);
        command.Parameters.Add(new NpgsqlParameter { Value = _buckets });
        command.Parameters.Add(new NpgsqlParameter { Value = DateTimeOffset.UtcNow });
        command.Parameters.Add(new NpgsqlParameter { Value = BatchSize });
        await using var reader = await command.ExecuteReaderAsync();
        var count = 0;
        while (await reader.ReadAsync())
        {
            _ = reader.GetFieldValue<byte[]>(4);
            count++;
        }

        return count;
    }

    [Benchmark]
    public async Task<int> ReadThroughEachBucketsIndex()
    {
        var rows = new List<OutboxRow>(BatchSize);
        await _store.ReadAsync(_connection, null!, _buckets, DateTimeOffset.UtcNow, BatchSize, rows, CancellationToken.None);
        return rows.Count;
    }

    private async Task SetupAsync()
    {
        _postgres = await PostgresServer.StartLocalAsync();
        var options = new ScalableMessagingOptions
        {
            ConnectionString = await _postgres.CreateDatabaseAsync("bench"),
            Producer = new ProducerConfig { BootstrapServers = "127.0.0.1:9" },
            BatchSize = BatchSize,
        };
        _outbox = new Outbox("bench", options, TimeProvider.System);
        await _outbox.EnsureSchemaAsync();
        await using (var fill = _outbox.DataSource.CreateCommand($"""
            INSERT INTO scalable.outbox_messages (message_id, bucket, topic, key, payload, created_at)
            SELECT gen_random_uuid(), k.b, 'bench', 'key-' || k.b || '-' || (i % 16), convert_to(rpad(i::text || ':', 100, 'x'), 'UTF8'), now()
            FROM generate_series(1, {Pending}) AS i,
                 LATERAL (SELECT CASE WHEN {(ClaimedNewest ? "true" : "false")} AND i <= {Pending * 3 / 4} THEN 16 + i % 48
                                      WHEN {(ClaimedNewest ? "true" : "false")} THEN i % 16
                                      ELSE i % 64 END AS b) AS k
            """))
        {
            fill.CommandTimeout = 600;
            await fill.ExecuteNonQueryAsync();
        }

        await using (var vacuum = _outbox.DataSource.CreateCommand("VACUUM ANALYZE scalable.outbox_messages"))
        {
            vacuum.CommandTimeout = 600;
            await vacuum.ExecuteNonQueryAsync();
        }

        _store = new BatchStore(_outbox.Tables, options);
        _connection = await _outbox.DataSource.OpenConnectionAsync();
    }

    private async Task CleanupAsync()
    {
        await _connection.DisposeAsync();
        await _outbox.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}
