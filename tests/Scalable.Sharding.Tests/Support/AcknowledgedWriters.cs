using System.Collections.Concurrent;
using Npgsql;

namespace Scalable.Sharding.Tests.Support;

/// <summary>
/// Writers that insert, update and delete users through <see cref="ShardedDatabase.WriteAsync{T}(string, Func{NpgsqlConnection, CancellationToken, Task{T}}, CancellationToken)"/>
/// and log every acknowledged write; an update or delete that matches no row is recorded as a lost write.
/// </summary>
internal sealed class AcknowledgedWriters(ShardedDatabase database, int writers, IReadOnlyList<string> existingIds)
{
    private readonly ConcurrentDictionary<string, long> _expected = new(existingIds.ToDictionary(id => id, Users.InitialScore), StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _lost = new();
    private long _acknowledged;
    private long _fenced;
    private volatile bool _stop;

    public IReadOnlyDictionary<string, long> Expected => _expected;

    public IReadOnlyCollection<string> Lost => _lost;

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    public long FencedRetries => Interlocked.Read(ref _fenced);

    public Task RunAsync() => Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() => WriteLoopAsync(w))));

    public void Stop() => _stop = true;

    private async Task WriteLoopAsync(int writer)
    {
        var random = new Random(writer);

        // Each writer owns the existing ids with its remainder and the ids it inserts, so the log has one writer per key.
        var mine = existingIds.Where((_, i) => i % writers == writer).ToList();
        var next = 0;
        while (!_stop)
        {
            var op = mine.Count == 0 ? 0 : random.Next(3);
            var id = op == 0 ? $"new:{writer}:{next++:D5}" : mine[random.Next(mine.Count)];
            try
            {
                switch (op)
                {
                    case 0:
                        await database.WriteAsync(id, (c, t) => ExecuteAsync(c, "INSERT INTO users (id, name, score) VALUES (@id, 'inserted', 0)", id, t));
                        _expected[id] = 0;
                        mine.Add(id);
                        break;
                    case 1:
                        var updated = await database.WriteAsync(id, (c, t) => ExecuteAsync(c, "UPDATE users SET score = score + 1 WHERE id = @id", id, t));
                        Check(updated, id, "update");
                        _expected[id] += 1;
                        break;
                    default:
                        var deleted = await database.WriteAsync(id, (c, t) => ExecuteAsync(c, "DELETE FROM users WHERE id = @id", id, t));
                        Check(deleted, id, "delete");
                        _expected.TryRemove(id, out _);
                        mine.Remove(id);
                        break;
                }

                Interlocked.Increment(ref _acknowledged);
            }
            catch (ShardMoveInProgressException)
            {
                // Nothing was written: the write is retried as a new random operation.
                Interlocked.Increment(ref _fenced);
            }
        }
    }

    private void Check(int rows, string id, string what)
    {
        if (rows != 1)
        {
            _lost.Enqueue($"{what} of {id} matched {rows} rows");
        }
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, string id, CancellationToken token)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteNonQueryAsync(token);
    }
}
