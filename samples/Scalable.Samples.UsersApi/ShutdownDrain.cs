namespace Scalable.Samples.UsersApi;

/// <summary>The first step of a graceful stop: readiness already says "draining" (see <see cref="DrainingHealthCheck"/>); for Sample:DrainDelay
/// (3 s by default) the instance keeps serving, closing each connection after its response so that proxies open new ones elsewhere;
/// then it stops listening (new connections are refused, so a proxy sends them elsewhere) and gives the connections it already
/// accepted a moment to deliver their request; then the host stops the server, which completes the requests in flight, and the
/// other hosted services.</summary>
internal sealed class ShutdownDrain(IConfiguration configuration, ListenerDrain listeners) : IHostedLifecycleService
{
    // Time for a connection accepted just before the listener closed to deliver its request (a proxy sends it at once).
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(1);

    private readonly TimeSpan _delay = configuration.GetValue("Sample:DrainDelay", TimeSpan.FromSeconds(3));

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (_delay <= TimeSpan.Zero)
        {
            return;
        }

        await Task.Delay(_delay, cancellationToken);
        if (listeners.Listening)
        {
            await listeners.StopListeningAsync();
            await Task.Delay(Linger, cancellationToken);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Adds "Connection: close" to every response once the host is stopping, so keep-alive connections from a proxy end with their last response.</summary>
internal static class ConnectionCloseWhileStopping
{
    public static IApplicationBuilder UseConnectionCloseWhileStopping(this IApplicationBuilder app)
    {
        var stopping = app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        return app.Use((context, next) =>
        {
            if (stopping.IsCancellationRequested)
            {
                context.Response.Headers.Connection = "close";
            }

            return next(context);
        });
    }
}
