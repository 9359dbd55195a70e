using Npgsql;

namespace Scalable.Messaging.Internal;

// Creates a command on the caller's transaction, turning "transaction completed" into an argument error that says what to do.
internal static class TransactionCommand
{
    public static NpgsqlCommand Create(string sql, NpgsqlTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        try
        {
            var connection = transaction.Connection ?? throw new InvalidOperationException("The transaction has no connection.");
            return new NpgsqlCommand(sql, connection, transaction);
        }
        catch (InvalidOperationException ex)
        {
            throw new ArgumentException("The transaction is already committed or rolled back; pass the open transaction of the unit of work.", nameof(transaction), ex);
        }
    }
}
