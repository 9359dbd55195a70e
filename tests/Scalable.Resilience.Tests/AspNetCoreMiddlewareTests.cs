using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scalable.TestSupport;

namespace Scalable.Resilience.Tests;

// The limiters are plain RateLimiter / PartitionedRateLimiter objects, so ASP.NET Core's middleware takes them as they are.
public sealed class AspNetCoreMiddlewareTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task A_partitioned_Redis_limiter_in_the_middleware_answers_429_with_Retry_After_per_user()
    {
        using var connection = redis.Connect();
        var limiter = RedisRateLimiters.CreateGcra<HttpContext>(
            connection,
            new RedisGcraRateLimiterOptions { Name = $"web-{Guid.NewGuid():N}", PermitLimit = 2, Window = TimeSpan.FromMinutes(1), DecisionTimeout = TimeSpan.FromSeconds(30) },
            context => context.Request.Headers["X-User"].ToString());
        await using var app = await StartAsync(options =>
        {
            options.GlobalLimiter = limiter;
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, _) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                return ValueTask.CompletedTask;
            };
        });
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        Assert.Equal(HttpStatusCode.OK, (await Get(client, "alice")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Get(client, "alice")).StatusCode);
        using var rejected = await Get(client, "alice");
        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        Assert.InRange(rejected.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await Get(client, "bob")).StatusCode);
    }

    [Fact]
    public async Task The_adaptive_limiter_sheds_normal_traffic_with_503_and_keeps_room_for_critical_paths()
    {
        var adaptive = new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions { InitialLimit = 2, MinLimit = 1, CriticalReservedShare = 0.5 });
        var release = new TaskCompletionSource();
        await using var app = await StartAsync(
            options =>
            {
                options.GlobalLimiter = adaptive.CreatePartitioned<HttpContext>(c => c.Request.Path == "/health" ? RequestPriority.Critical : RequestPriority.Normal);
                options.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            },
            slow: release.Task);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var holding = client.GetAsync("/slow");
        await Eventually.TrueAsync(() => adaptive.InFlight == 1, TimeSpan.FromSeconds(10), "the slow request to hold a permit");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        release.SetResult();
        Assert.Equal(HttpStatusCode.OK, (await holding).StatusCode);
    }

    private static Task<HttpResponseMessage> Get(HttpClient client, string user)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("X-User", user);
        return client.SendAsync(request);
    }

    private static async Task<WebApplication> StartAsync(Action<RateLimiterOptions> configure, Task? slow = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddRateLimiter(configure);
        var app = builder.Build();
        app.UseRateLimiter();
        app.MapGet("/", () => "ok");
        app.MapGet("/health", () => "ok");
        app.MapGet("/slow", async () =>
        {
            await (slow ?? Task.CompletedTask);
            return "ok";
        });
        await app.StartAsync();
        return app;
    }
}
