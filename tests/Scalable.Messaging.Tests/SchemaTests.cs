using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

public sealed class SchemaTests(MessagingFixture servers) : IClassFixture<MessagingFixture>
{
    [Fact]
    public async Task Hosts_restarting_beside_busy_relays_and_a_writer_run_no_DDL_publish_nothing_twice_and_never_make_the_writer_wait()
    {
        var topic = servers.CreateTopic();
        var connectionString = await servers.Postgres.CreateDatabaseAsync("restarts");
        await using var outbox = await TestOutbox.CreateAsync(connectionString, servers.Kafka.BootstrapServers, o => o.BatchSize = 100);
        // Every DDL statement run in this database from now on is recorded by an event trigger.
        await ExecuteAsync(outbox.DataSource, """
            CREATE TABLE public.ddl_log (tag text NOT NULL);
            CREATE FUNCTION public.log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO public.ddl_log VALUES (tg_tag); END $$;
            CREATE EVENT TRIGGER log_ddl ON ddl_command_start EXECUTE FUNCTION public.log_ddl();
            """);
        await using var relays = new RunningRelays(outbox, count: 2);

        using var stop = new CancellationTokenSource();
        var ids = new List<Guid>();
        var writer = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                ids.AddRange(await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin(topic, keys: 10, from: i * 20, count: 20)));
            }
        });
        // Any lock request that had to wait, in this database, while hosts start and stop: there is nothing it could wait for
        // but a schema step (relays only try their locks, and one writer never waits for itself).
        var waits = new List<string>();
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var waiting = await TestOutbox.ScalarAsync<string>(outbox.DataSource, """
                    SELECT string_agg(l.locktype || ' ' || l.mode || ' by ' || left(a.query, 60), '; ')
                    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                    WHERE NOT l.granted AND a.datname = current_database()
                    """);
                if (waiting is not null)
                {
                    waits.Add(waiting);
                }
            }
        });

        for (var restart = 0; restart < 6; restart++)
        {
            using var host = BuildHost(connectionString, o => o.BatchSize = 100);
            await host.StartAsync();
            await Task.Delay(300);
            await host.StopAsync();
        }

        await stop.CancelAsync();
        await Task.WhenAll(writer, watcher);

        var read = KafkaReader.ReadAll(servers.Kafka.BootstrapServers, topic, atLeast: ids.Count);
        Assert.True(read.Select(m => m.MessageId).ToHashSet().SetEquals(ids), "every message arrives");
        Assert.Equal(ids.Count, read.Count); // no duplicates: no running relay was aborted by a schema step
        KafkaReader.AssertPerKeyOrder(read);
        Assert.Equal(0L, await TestOutbox.ScalarAsync<long>(outbox.DataSource, "SELECT count(*) FROM public.ddl_log"));
        Assert.True(waits.Count == 0, $"no lock waits while hosts restarted: {string.Join(" | ", waits.Take(5))}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public async Task A_host_whose_bucket_count_differs_from_the_stored_one_fails_at_start_naming_the_setting(int relayCount)
    {
        var connectionString = await servers.Postgres.CreateDatabaseAsync("buckets");
        await using var outbox = await TestOutbox.CreateAsync(connectionString, servers.Kafka.BootstrapServers);
        using var host = BuildHost(connectionString, o =>
        {
            o.BucketCount = 32;
            o.BucketsPerClaim = 8;
            o.RelayCount = relayCount;
        });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("BucketCount is 32, but the outbox \"scalable\".\"outbox_messages\" was created with 64 buckets", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OutboxSchemaMode.Auto, false)]
    [InlineData(OutboxSchemaMode.Apply, true)]
    public async Task A_process_that_only_enqueues_migrates_only_when_asked(OutboxSchemaMode mode, bool created)
    {
        var connectionString = await servers.Postgres.CreateDatabaseAsync("enqueuer");
        using var host = BuildHost(connectionString, o =>
        {
            o.RelayCount = 0;
            o.SchemaMode = mode;
        });

        await host.StartAsync();
        await host.StopAsync();

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        Assert.Equal(created, await TestOutbox.ScalarAsync<bool>(dataSource, "SELECT to_regclass('scalable.outbox_messages') IS NOT NULL"));
    }

    [Fact]
    public async Task The_unversioned_schema_of_earlier_releases_is_migrated_once_keeping_its_rows_and_dropping_its_trigger()
    {
        var connectionString = await servers.Postgres.CreateDatabaseAsync("upgrade");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await ExecuteAsync(dataSource, """
            CREATE SCHEMA scalable;
            CREATE TABLE scalable.outbox_messages (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, message_id uuid NOT NULL, bucket int NOT NULL,
                topic text NOT NULL, key text NULL, payload bytea NOT NULL, headers bytea NULL, traceparent text NULL, tracestate text NULL,
                created_at timestamptz NOT NULL, attempts int NOT NULL DEFAULT 0, next_attempt_at timestamptz NULL, last_error text NULL);
            CREATE FUNCTION scalable.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN PERFORM pg_notify('scalable_outbox', ''); RETURN NULL; END $fn$;
            CREATE TRIGGER notify_relay AFTER INSERT ON scalable.outbox_messages FOR EACH STATEMENT EXECUTE FUNCTION scalable.outbox_notify();
            INSERT INTO scalable.outbox_messages (message_id, bucket, topic, key, payload, created_at) VALUES (gen_random_uuid(), 1, 't', 'k', '\x00', now());
            """);

        await using var outbox = await TestOutbox.CreateAsync(connectionString, servers.Kafka.BootstrapServers);
        await outbox.EnsureSchemaAsync();

        Assert.Equal(1L, await TestOutbox.CountAsync(outbox));
        Assert.Equal(0L, await TestOutbox.ScalarAsync<long>(dataSource, "SELECT count(*) FROM pg_trigger WHERE tgname = 'notify_relay'"));
        Assert.Equal(1, await TestOutbox.ScalarAsync<int>(dataSource, "SELECT version FROM scalable.outbox_schema"));
        Assert.Equal(64, await TestOutbox.ScalarAsync<int>(dataSource, "SELECT bucket_count FROM scalable.outbox_schema"));
    }

    private IHost BuildHost(string connectionString, Action<ScalableMessagingOptions> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddScalableMessaging(o =>
        {
            o.ConnectionString = connectionString;
            o.Producer.BootstrapServers = servers.Kafka.BootstrapServers;
            o.PollingInterval = TimeSpan.FromMilliseconds(200);
            configure(o);
        });
        return builder.Build();
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
