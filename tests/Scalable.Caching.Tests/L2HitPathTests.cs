using System.Globalization;
using StackExchange.Redis;

namespace Scalable.Caching.Tests;

// The L2 hit: one round trip (one GET), no lease, no write, no notice; what the peer benchmark compares to a raw GET.
public sealed class L2HitPathTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly string[] Writes = ["set", "psetex", "setex", "del", "unlink", "publish", "eval", "evalsha", "incr", "expire", "pexpire"];

    [Fact]
    public async Task An_l2_hit_of_an_untagged_entry_is_one_get_and_nothing_else()
    {
        using var fleet = new CacheFleet(redis.Connect, 2);
        var skipL1 = new CacheEntryOptions { Flags = CacheEntryFlags.SkipL1 };
        await fleet[0].Cache.SetAsync("k", "v1");
        await fleet[0].Cache.SetAsync("warm", "w");
        Assert.Equal("w", await fleet[1].Cache.GetOrCreateAsync("warm", _ => ValueTask.FromResult("factory"), skipL1));
        using var stats = redis.Server.Connect("allowAdmin=true");
        var server = stats.GetServer(stats.GetEndPoints()[0]);
        var before = await CommandCallsAsync(server);

        Assert.Equal("v1", await fleet[1].Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("factory"), skipL1));

        var after = await CommandCallsAsync(server);
        Assert.Equal(1, Delta("get"));
        Assert.All(Writes, command => Assert.Equal(0, Delta(command)));

        long Delta(string command) => after.GetValueOrDefault(command) - before.GetValueOrDefault(command);
    }

    // The L2 read deserializes from the client's pooled buffer and parses the tags in the header in place: a tagged entry
    // with a payload far larger than a pooled buffer's usual size still comes back whole, and its tag still removes it.
    [Fact]
    public async Task A_tagged_entry_with_a_large_payload_round_trips_through_l2_and_its_tag_still_removes_it()
    {
        using var fleet = new CacheFleet(redis.Connect, 2);
        var large = string.Create(300_000, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('a' + (i % 26));
            }
        });
        var tagged = new CacheEntryOptions { Tags = ["catalog", "tag-é"] };
        var skipL1 = new CacheEntryOptions { Flags = CacheEntryFlags.SkipL1 };
        await fleet[0].Cache.SetAsync("big", large, tagged);

        Assert.Equal(large, await fleet[1].Cache.GetOrCreateAsync("big", _ => ValueTask.FromResult("factory"), skipL1));
        Assert.Equal(large, (await fleet[1].Cache.TryGetAsync<string>("big")).Value);

        // The other instance hears of the removal by its notice, which may still be on its way.
        await fleet[0].Cache.RemoveByTagAsync("tag-é");
        await Eventually.TrueAsync(
            async () => await fleet[1].Cache.GetOrCreateAsync("big", _ => ValueTask.FromResult("factory"), skipL1) == "factory",
            because: "the tag removal to reach the other instance");
    }

    // The prefix goes to Redis as bytes in front of the key rather than as a new string: the stored key is unchanged.
    [Fact]
    public async Task The_value_is_stored_under_the_prefix_and_the_key()
    {
        var prefix = CacheInstance.NewPrefix();
        using var cache = CacheInstance.WithRedis(redis.Connect(), prefix: prefix);
        await cache.Cache.SetAsync("k", "v");
        using var reader = redis.Connect();
        Assert.True(await reader.GetDatabase().KeyExistsAsync(prefix + "v:k"));
    }

    // Calls per command since the server started, from INFO commandstats (lines like "cmdstat_get:calls=3,usec=...").
    private static async Task<Dictionary<string, long>> CommandCallsAsync(IServer server)
    {
        var calls = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        foreach (var group in await server.InfoAsync("commandstats"))
        {
            foreach (var line in group)
            {
                if (line.Key.StartsWith("cmdstat_", StringComparison.Ordinal))
                {
                    var count = line.Value.Split(',')[0]["calls=".Length..];
                    calls[line.Key["cmdstat_".Length..]] = long.Parse(count, CultureInfo.InvariantCulture);
                }
            }
        }

        return calls;
    }
}
