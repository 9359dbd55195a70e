using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;
using Scalable.Messaging.Internal;

namespace Scalable.Messaging.Consuming;

// The consumer's dead-letter table: created (only when missing) the first time a database receives a dead letter, then written in the inbox transaction.
internal sealed class DeadLetterTable
{
    private readonly string _name;
    private readonly string _createSql;
    private readonly string _insertSql;
    private readonly ConcurrentDictionary<string, bool> _created = new();

    public DeadLetterTable(string schema, string table)
    {
        _name = $"{SqlIdentifier.Quote(schema)}.{SqlIdentifier.Quote(table)}";
        _createSql = $"""
            CREATE SCHEMA IF NOT EXISTS {SqlIdentifier.Quote(schema)};
            CREATE TABLE IF NOT EXISTS {_name} (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                consumer_group text NOT NULL,
                topic text NOT NULL,
                partition integer NOT NULL,
                "offset" bigint NOT NULL,
                message_id uuid NOT NULL,
                key bytea,
                value bytea NOT NULL,
                attempts integer NOT NULL,
                error text NOT NULL,
                dead_lettered_at timestamptz NOT NULL DEFAULT now())
            """;
        _insertSql = $"""INSERT INTO {_name} (consumer_group, topic, partition, "offset", message_id, key, value, attempts, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""";
    }

    public async Task EnsureCreatedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var database = connection.ConnectionString;
        if (_created.ContainsKey(database))
        {
            return;
        }

        // Look first, so a table that exists costs no DDL and no lock.
        await using (var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = _name, NpgsqlDbType = NpgsqlDbType.Text });
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
            {
                _created[database] = true;
                return;
            }
        }

        try
        {
            await using var create = new NpgsqlCommand(_createSql, connection);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.DuplicateSchema)
        {
            // Another consumer created it at the same moment.
        }

        _created[database] = true;
    }

    public async Task InsertAsync(NpgsqlTransaction transaction, string group, ConsumedMessage message, int attempts, string error, CancellationToken cancellationToken)
    {
        await using var insert = TransactionCommand.Create(_insertSql, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = group, NpgsqlDbType = NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = message.Topic, NpgsqlDbType = NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = message.Partition, NpgsqlDbType = NpgsqlDbType.Integer });
        insert.Parameters.Add(new NpgsqlParameter { Value = message.Offset, NpgsqlDbType = NpgsqlDbType.Bigint });
        insert.Parameters.Add(new NpgsqlParameter { Value = message.MessageId, NpgsqlDbType = NpgsqlDbType.Uuid });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)message.KeyBytes ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
        insert.Parameters.Add(new NpgsqlParameter { Value = message.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
        insert.Parameters.Add(new NpgsqlParameter { Value = attempts, NpgsqlDbType = NpgsqlDbType.Integer });
        insert.Parameters.Add(new NpgsqlParameter { Value = error, NpgsqlDbType = NpgsqlDbType.Text });
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
