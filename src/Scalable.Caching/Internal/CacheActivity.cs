using System.Diagnostics;

namespace Scalable.Caching.Internal;

internal static class CacheActivity
{
    public static readonly ActivitySource Source = new(CacheMetrics.MeterName);

    public static Activity? StartFactory(string key, bool background)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity("cache.factory");
        activity?.SetTag("cache.key", key);
        activity?.SetTag("cache.background", background);
        return activity;
    }
}
