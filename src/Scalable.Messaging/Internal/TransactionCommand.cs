using Npgsql;

namespace Scalable.Messaging.Internal;

// Creates a command on the caller's transaction, turning "transaction completed" into an argument error that says what to do.
internal static class TransactionCommand
{
    public static NpgsqlCommand Create(string sql, NpgsqlTransaction transaction) => new(sql, ConnectionOf(transaction), transaction);

    public static NpgsqlBatch CreateBatch(NpgsqlTransaction transaction) => new(ConnectionOf(transaction), transaction);

    private static NpgsqlConnection ConnectionOf(NpgsqlTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        try
        {
            return transaction.Connection ?? throw new InvalidOperationException("The transaction has no connection.");
        }
        catch (InvalidOperationException ex)
        {
            throw new ArgumentException("The transaction is already committed or rolled back; pass the open transaction of the unit of work.", nameof(transaction), ex);
        }
    }
}
