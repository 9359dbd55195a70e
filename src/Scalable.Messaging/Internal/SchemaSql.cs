namespace Scalable.Messaging.Internal;

// The idempotent DDL of one outbox; docs/messaging.md shows the same statements for the default names.
internal static class SchemaSql
{
    public static string For(OutboxTables t) => $"""
        SELECT pg_advisory_xact_lock({t.LockSpace}, -1);
        CREATE SCHEMA IF NOT EXISTS {t.Schema};
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
        CREATE OR REPLACE FUNCTION {t.NotifyFunction}() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            PERFORM pg_notify('{t.Channel}', '');
            RETURN NULL;
        END $fn$;
        DROP TRIGGER IF EXISTS notify_relay ON {t.Messages};
        CREATE TRIGGER notify_relay AFTER INSERT ON {t.Messages} FOR EACH STATEMENT EXECUTE FUNCTION {t.NotifyFunction}();
        """;

    // Index names live in the schema namespace, so they carry the table name.
    private static string Index(OutboxTables t, string suffix)
    {
        var table = t.Messages[(t.Messages.LastIndexOf('.') + 2)..^1];
        return SqlIdentifier.Quote($"{table}_{suffix}"[..Math.Min(table.Length + suffix.Length + 1, SqlIdentifier.MaxLength)]);
    }
}
