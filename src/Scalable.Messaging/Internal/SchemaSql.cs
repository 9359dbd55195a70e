namespace Scalable.Messaging.Internal;

// The versioned migrations of one outbox; docs/messaging.md shows the same statements for the default names.
// Version n is Migrations[n - 1]; a new change is a new entry, never an edit of a shipped one.
internal static class SchemaSql
{
    public static int Latest => 1;

    // The version table is created outside the migrations, so its row can be read before anything else exists.
    public static string VersionTable(OutboxTables t) => $"""
        CREATE SCHEMA IF NOT EXISTS {t.Schema};
        CREATE TABLE IF NOT EXISTS {t.Version} (
            id int PRIMARY KEY CHECK (id = 1),
            version int NOT NULL,
            bucket_count int NOT NULL,
            migrated_at timestamptz NOT NULL DEFAULT now());
        """;

    public static string ReadVersion(OutboxTables t) => $"SELECT version, bucket_count FROM {t.Version} WHERE id = 1";

    public static string WriteVersion(OutboxTables t) => $"""
        INSERT INTO {t.Version} (id, version, bucket_count) VALUES (1, $1, $2)
        ON CONFLICT (id) DO UPDATE SET version = excluded.version, migrated_at = now()
        """;

    public static string Migration(OutboxTables t, int version) => version switch
    {
        1 => Version1(t),
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "No such schema version."),
    };

    // Version 1 is also the upgrade from the unversioned schema of earlier releases, whose tables may exist already:
    // every statement is idempotent, and their notification trigger (replaced by a NOTIFY from the enqueuing
    // transaction, see NotifyOnEnqueue) is dropped only if it is there, because DROP TRIGGER locks the table.
    private static string Version1(OutboxTables t) => $"""
        CREATE TABLE IF NOT EXISTS {t.Messages} (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            message_id uuid NOT NULL,
            bucket int NOT NULL,
            topic text NOT NULL,
            key text NULL,
            payload bytea NOT NULL,
            headers bytea NULL,
            traceparent text NULL,
            tracestate text NULL,
            created_at timestamptz NOT NULL,
            attempts int NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NULL,
            last_error text NULL);
        CREATE INDEX IF NOT EXISTS {Index(t, "bucket")} ON {t.Messages} (bucket, id);
        CREATE INDEX IF NOT EXISTS {Index(t, "retry")} ON {t.Messages} (bucket, key, id) WHERE next_attempt_at IS NOT NULL;
        CREATE TABLE IF NOT EXISTS {t.DeadLetters} (
            id bigint PRIMARY KEY,
            message_id uuid NOT NULL,
            topic text NOT NULL,
            key text NULL,
            payload bytea NOT NULL,
            headers bytea NULL,
            traceparent text NULL,
            tracestate text NULL,
            created_at timestamptz NOT NULL,
            attempts int NOT NULL,
            last_error text NULL,
            dead_lettered_at timestamptz NOT NULL);
        CREATE TABLE IF NOT EXISTS {t.HeldKeys} (
            key text PRIMARY KEY,
            message_id uuid NOT NULL,
            held_at timestamptz NOT NULL);
        CREATE TABLE IF NOT EXISTS {t.Processed} (
            consumer_group text NOT NULL,
            message_id uuid NOT NULL,
            processed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (consumer_group, message_id));
        DO $do$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = '{t.Messages.Replace("'", "''", StringComparison.Ordinal)}'::regclass AND tgname = 'notify_relay') THEN
                DROP TRIGGER notify_relay ON {t.Messages};
            END IF;
        END $do$;
        DROP FUNCTION IF EXISTS {t.NotifyFunction}();
        """;

    // Index names live in the schema namespace, so they carry the table name.
    private static string Index(OutboxTables t, string suffix)
    {
        var table = t.Messages[(t.Messages.LastIndexOf('.') + 2)..^1];
        return SqlIdentifier.Quote($"{table}_{suffix}"[..Math.Min(table.Length + suffix.Length + 1, SqlIdentifier.MaxLength)]);
    }
}
