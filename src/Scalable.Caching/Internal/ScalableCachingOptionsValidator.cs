using Microsoft.Extensions.Options;

namespace Scalable.Caching.Internal;

internal sealed class ScalableCachingOptionsValidator : IValidateOptions<ScalableCachingOptions>
{
    public ValidateOptionsResult Validate(string? name, ScalableCachingOptions options)
    {
        var errors = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Require(options.L1SizeLimitBytes > 0, $"{nameof(ScalableCachingOptions.L1SizeLimitBytes)} must be greater than zero (was {options.L1SizeLimitBytes}).");
        Require(options.MaximumPayloadBytes > 0, $"{nameof(ScalableCachingOptions.MaximumPayloadBytes)} must be greater than zero (was {options.MaximumPayloadBytes}).");
        Require(options.MaximumKeyLength > 0, $"{nameof(ScalableCachingOptions.MaximumKeyLength)} must be greater than zero (was {options.MaximumKeyLength}).");
        Require(options.KeyPrefix is not null, $"{nameof(ScalableCachingOptions.KeyPrefix)} must not be null (use an empty string for no prefix).");
        Require(options.LeaseDuration >= TimeSpan.FromMilliseconds(100), $"{nameof(ScalableCachingOptions.LeaseDuration)} must be at least 100 ms (was {options.LeaseDuration}).");
        Require(options.LeaseWaitTimeout > TimeSpan.Zero, $"{nameof(ScalableCachingOptions.LeaseWaitTimeout)} must be greater than zero (was {options.LeaseWaitTimeout}).");
        Require(options.L2OperationTimeout > TimeSpan.Zero || options.L2OperationTimeout == Timeout.InfiniteTimeSpan, $"{nameof(ScalableCachingOptions.L2OperationTimeout)} must be greater than zero or infinite (was {options.L2OperationTimeout}).");
        Require(options.L2CircuitBreakerFailureThreshold > 0, $"{nameof(ScalableCachingOptions.L2CircuitBreakerFailureThreshold)} must be greater than zero (was {options.L2CircuitBreakerFailureThreshold}).");
        Require(options.L2CircuitBreakerBreakDuration > TimeSpan.Zero, $"{nameof(ScalableCachingOptions.L2CircuitBreakerBreakDuration)} must be greater than zero (was {options.L2CircuitBreakerBreakDuration}).");
        Require(options.MaximumPendingRemovals > 0, $"{nameof(ScalableCachingOptions.MaximumPendingRemovals)} must be greater than zero (was {options.MaximumPendingRemovals}).");
        Require(options.ReplayDelayAfterReconnect >= TimeSpan.Zero, $"{nameof(ScalableCachingOptions.ReplayDelayAfterReconnect)} must not be negative (was {options.ReplayDelayAfterReconnect}).");
        Require(options.MaximumBackgroundRefreshes >= 0, $"{nameof(ScalableCachingOptions.MaximumBackgroundRefreshes)} must not be negative (was {options.MaximumBackgroundRefreshes}).");
        Require(options.TagStampMaxAge > TimeSpan.Zero, $"{nameof(ScalableCachingOptions.TagStampMaxAge)} must be greater than zero (was {options.TagStampMaxAge}).");
        Require(options.TagRemovalRetention > TimeSpan.Zero, $"{nameof(ScalableCachingOptions.TagRemovalRetention)} must be greater than zero (was {options.TagRemovalRetention}).");
        Require(options.KeyRemovalRetention > TimeSpan.Zero, $"{nameof(ScalableCachingOptions.KeyRemovalRetention)} must be greater than zero (was {options.KeyRemovalRetention}).");
        if (options.DefaultEntryOptions is null)
        {
            errors.Add($"{nameof(ScalableCachingOptions.DefaultEntryOptions)} must not be null.");
        }
        else
        {
            errors.AddRange(EntryOptionsValidator.Errors(options.DefaultEntryOptions, nameof(ScalableCachingOptions.DefaultEntryOptions) + "."));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
