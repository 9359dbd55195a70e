using System.Text;

namespace Scalable.Caching.Internal;

// Entry options are checked both at start (the defaults) and per call (what a caller passes).
internal static class EntryOptionsValidator
{
    public static IEnumerable<string> Errors(CacheEntryOptions options, string prefix)
    {
        if (options.Duration <= TimeSpan.Zero)
        {
            yield return $"{prefix}{nameof(CacheEntryOptions.Duration)} must be greater than zero (was {options.Duration}).";
        }

        if (options.JitterMaxDuration < TimeSpan.Zero)
        {
            yield return $"{prefix}{nameof(CacheEntryOptions.JitterMaxDuration)} must not be negative (was {options.JitterMaxDuration}).";
        }

        if (options.FailSafeMaxDuration < TimeSpan.Zero)
        {
            yield return $"{prefix}{nameof(CacheEntryOptions.FailSafeMaxDuration)} must not be negative (was {options.FailSafeMaxDuration}).";
        }

        if (options.FailSafeThrottleDuration <= TimeSpan.Zero)
        {
            yield return $"{prefix}{nameof(CacheEntryOptions.FailSafeThrottleDuration)} must be greater than zero (was {options.FailSafeThrottleDuration}).";
        }

        if (options.FactorySoftTimeout <= TimeSpan.Zero && options.FactorySoftTimeout != Timeout.InfiniteTimeSpan)
        {
            yield return $"{prefix}{nameof(CacheEntryOptions.FactorySoftTimeout)} must be greater than zero or infinite (was {options.FactorySoftTimeout}).";
        }

        if (options.FactoryHardTimeout <= TimeSpan.Zero && options.FactoryHardTimeout != Timeout.InfiniteTimeSpan)
        {
            yield return $"{prefix}{nameof(CacheEntryOptions.FactoryHardTimeout)} must be greater than zero or infinite (was {options.FactoryHardTimeout}).";
        }

        if (double.IsNaN(options.EarlyRefreshBeta) || options.EarlyRefreshBeta < 0)
        {
            yield return $"{prefix}{nameof(CacheEntryOptions.EarlyRefreshBeta)} must be zero or positive (was {options.EarlyRefreshBeta}).";
        }

        if (options.Tags is { } tags && tags.Any(string.IsNullOrEmpty))
        {
            yield return $"{prefix}{nameof(CacheEntryOptions.Tags)} must not contain null or empty tags.";
        }
        else if (options.Tags is { } named)
        {
            if (named.Count > EntryFormat.MaximumTagCount)
            {
                yield return $"{prefix}{nameof(CacheEntryOptions.Tags)} holds {named.Count} tags; the limit is {EntryFormat.MaximumTagCount}.";
            }

            foreach (var tag in named)
            {
                var bytes = Encoding.UTF8.GetByteCount(tag);
                if (bytes > EntryFormat.MaximumTagBytes)
                {
                    yield return $"{prefix}{nameof(CacheEntryOptions.Tags)} holds the tag '{tag[..Math.Min(tag.Length, 64)]}...', {bytes} bytes in UTF-8; the limit is {EntryFormat.MaximumTagBytes} bytes.";
                }
            }
        }
    }

    public static void ThrowIfInvalid(CacheEntryOptions options)
    {
        var first = Errors(options, string.Empty).FirstOrDefault();
        if (first is not null)
        {
            throw new ArgumentException(first, nameof(options));
        }
    }
}
