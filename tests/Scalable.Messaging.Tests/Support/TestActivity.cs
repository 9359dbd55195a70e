using System.Diagnostics;

namespace Scalable.Messaging.Tests.Support;

// Starts a recorded W3C activity, as an instrumented request handler would have, and stops listening on dispose.
internal sealed class TestActivity : IDisposable
{
    private readonly ActivitySource _source = new($"test-{Guid.NewGuid():N}");
    private readonly ActivityListener _listener;

    public TestActivity()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s == _source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
        Activity = _source.StartActivity("request")!;
    }

    public Activity Activity { get; }

    public void Dispose()
    {
        Activity.Dispose();
        _listener.Dispose();
        _source.Dispose();
    }
}
