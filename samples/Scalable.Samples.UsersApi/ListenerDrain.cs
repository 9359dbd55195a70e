using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace Scalable.Samples.UsersApi;

/// <summary>Kestrel's socket transport, with a way to stop listening before the server stops: a proxy's next connection is
/// then refused (and retried elsewhere, for any method, since nothing was sent) while connections already accepted still
/// deliver and finish their request. Stopping the server alone closes an accepted connection whose request it has not
/// read yet, which a proxy sees as a reset after it sent the request: it answers a POST with 502.</summary>
internal sealed class ListenerDrain(IOptions<SocketTransportOptions> options, ILoggerFactory loggers) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly SocketTransportFactory _sockets = new(options, loggers);
    private readonly List<IConnectionListener> _listeners = [];

    /// <summary>Whether any endpoint was bound through this transport (not under a test server).</summary>
    public bool Listening
    {
        get
        {
            lock (_listeners)
            {
                return _listeners.Count > 0;
            }
        }
    }

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var listener = await _sockets.BindAsync(endpoint, cancellationToken);
        lock (_listeners)
        {
            _listeners.Add(listener);
        }

        return listener;
    }

    public bool CanBind(EndPoint endpoint) => _sockets.CanBind(endpoint);

    /// <summary>Closes every listening socket; Kestrel's accept loops end, accepted connections carry on.</summary>
    public async Task StopListeningAsync()
    {
        IConnectionListener[] listeners;
        lock (_listeners)
        {
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
        {
            await listener.UnbindAsync();
        }
    }
}
