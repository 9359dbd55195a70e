using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Scalable.Samples.UsersApi;

namespace Scalable.Samples.Tests.ZeroDowntime;

/// <summary>A small load program that records every response: a few workers loop over cached reads, updates (idempotent PUT) and creates (POST).</summary>
internal sealed class LoadClient(Uri address, IReadOnlyList<Guid> users, int workers) : IAsyncDisposable
{
    private readonly List<Outcome> _outcomes = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _client = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    private Task[] _workers = [];

    public string Phase { get; set; } = "steady";

    public int Workers => workers;

    public void Start() => _workers = Enumerable.Range(0, workers).Select(i => Task.Run(() => RunAsync(i))).ToArray();

    public async Task<IReadOnlyList<Outcome>> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        lock (_outcomes)
        {
            return [.. _outcomes];
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _client.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync(int worker)
    {
        for (var i = 0; !_stop.IsCancellationRequested; i++)
        {
            var kind = (i % 10) switch { 0 => "POST", 1 => "PUT", _ => "GET" };
            var user = users[(worker * 31 + i) % users.Count];
            var watch = Stopwatch.StartNew();
            try
            {
                using var response = kind switch
                {
                    "POST" => await _client.PostAsJsonAsync("/users", new UserInput($"Load {worker}.{i}", $"load.{worker}.{i}.{Guid.NewGuid():N}@example.com")),
                    "PUT" => await _client.PutAsJsonAsync($"/users/{user}", new UserInput($"Updated {worker}.{i}", "updated@example.com")),
                    _ => await _client.GetAsync($"/users/{user}"),
                };
                var created = kind == "POST" && response.StatusCode == HttpStatusCode.Created ? (await response.Content.ReadFromJsonAsync<User>())!.Id : (Guid?)null;
                Record(new Outcome(Phase, kind, (int)response.StatusCode, null, watch.Elapsed, created));
            }
            catch (HttpRequestException ex)
            {
                Record(new Outcome(Phase, kind, null, ex.Message, watch.Elapsed, null));
            }
        }
    }

    private void Record(Outcome outcome)
    {
        lock (_outcomes)
        {
            _outcomes.Add(outcome);
        }
    }

    /// <summary>One request as the client saw it: a status, or the connection error instead; the phase is the one in which it completed.</summary>
    internal sealed record Outcome(string Phase, string Kind, int? Status, string? Error, TimeSpan Latency, Guid? Created)
    {
        public bool Failed => Error is not null || Status >= 500;
    }
}
