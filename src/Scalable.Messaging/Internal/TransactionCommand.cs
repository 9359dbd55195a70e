using Npgsql;

namespace Scalable.Messaging.Internal;

// Creates a command or batch on the caller's transaction, turning "transaction completed" into an argument error that says what to do.
internal static class TransactionCommand
{
    public static NpgsqlCommand Create(string sql, NpgsqlTransaction transaction)
        => OnOpen(transaction, t => new NpgsqlCommand(sql, ConnectionOf(t), t));

    public static NpgsqlBatch CreateBatch(NpgsqlTransaction transaction)
        => OnOpen(transaction, t => new NpgsqlBatch(ConnectionOf(t), t));

    private static NpgsqlConnection ConnectionOf(NpgsqlTransaction transaction)
        => transaction.Connection ?? throw new InvalidOperationException("The transaction has no connection.");

    private static T OnOpen<T>(NpgsqlTransaction transaction, Func<NpgsqlTransaction, T> create)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        try
        {
            return create(transaction);
        }
        catch (InvalidOperationException ex)
        {
            throw new ArgumentException("The transaction is already committed or rolled back; pass the open transaction of the unit of work.", nameof(transaction), ex);
        }
    }
}
