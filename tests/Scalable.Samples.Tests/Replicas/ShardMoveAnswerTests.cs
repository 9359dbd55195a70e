using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Scalable.Samples.UsersApi;
using Scalable.Sharding;

namespace Scalable.Samples.Tests.Replicas;

/// <summary>A write that meets a shard move's cutover fence is a 503 with Retry-After, and does not count against the shard's breaker.</summary>
[Collection(SampleClusterCollection.Name)]
public sealed class ShardMoveAnswerTests(SampleCluster cluster)
{
    [Fact]
    public async Task A_fenced_write_is_a_503_with_retry_after_and_leaves_the_shard_breaker_closed()
    {
        var services = cluster.A.Services;
        var pipelines = services.GetRequiredService<ShardPipelines>();
        var shard = services.GetRequiredService<ShardedDatabase>().Topology.Shards[2];
        var fenced = new ShardMoveInProgressException("move-1", "The key is at move-1's cutover.");

        // More fenced writes than the breaker's minimum throughput: each is still the move's own exception, never a broken circuit.
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<ShardMoveInProgressException>(async () =>
                await pipelines.ExecuteAsync<int, int>(shard, 0, (_, _) => throw fenced, CancellationToken.None));
        }

        Assert.Equal(7, await pipelines.ExecuteAsync(shard, 7, (state, _) => ValueTask.FromResult(state), CancellationToken.None));

        var http = new DefaultHttpContext { RequestServices = services };
        http.Response.Body = new MemoryStream();
        var handler = ActivatorUtilities.CreateInstance<ProblemExceptionHandler>(services);
        Assert.True(await handler.TryHandleAsync(http, fenced, CancellationToken.None));
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, http.Response.StatusCode);
        Assert.Equal("1", http.Response.Headers.RetryAfter.ToString());
        http.Response.Body.Position = 0;
        var problem = JsonDocument.Parse(http.Response.Body).RootElement;
        Assert.Equal("move-1", problem.GetProperty("moveId").GetString());
    }
}
