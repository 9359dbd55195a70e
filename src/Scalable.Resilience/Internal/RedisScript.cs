using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Scalable.Resilience.Internal;

// Runs a Lua script by its SHA1 (EVALSHA) and falls back to EVAL, which also caches it, when the server answers NOSCRIPT
// (first use, or a restarted/failed-over server). Only members that StackExchange.Redis 2.x still has are used.
internal sealed class RedisScript(string text)
{
#pragma warning disable CA5350 // SHA1 is what Redis names scripts by; it is not used for security.
    private readonly byte[] _sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(text));
#pragma warning restore CA5350

    public string Text => text;

    public byte[] Sha1 => _sha1;

    // The hot path awaits these two itself (no extra async frame): EVALSHA first, EVAL when IsNoScript says so.
    public Task<RedisResult> EvaluateShaAsync(IDatabaseAsync database, RedisKey[] keys, RedisValue[] arguments)
        => database.ScriptEvaluateAsync(_sha1, keys, arguments);

    public Task<RedisResult> EvaluateTextAsync(IDatabaseAsync database, RedisKey[] keys, RedisValue[] arguments)
        => database.ScriptEvaluateAsync(text, keys, arguments);

    public static bool IsNoScript(RedisServerException exception) => exception.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal);

    // For calls off the decision path (lease renewal), which need no separate waits.
    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync database, RedisKey[] keys, RedisValue[] arguments)
    {
        try
        {
            return await EvaluateShaAsync(database, keys, arguments).ConfigureAwait(false);
        }
        catch (RedisServerException exception) when (IsNoScript(exception))
        {
            return await EvaluateTextAsync(database, keys, arguments).ConfigureAwait(false);
        }
    }
}
