using Microsoft.Extensions.Options;

namespace Scalable.Messaging.Internal;

// Builds and validates the options of one shard's outbox: the shard's connection string, then the application's settings.
internal sealed class ShardOutboxOptions(Action<string, ScalableMessagingOptions> configure, IEnumerable<IValidateOptions<ScalableMessagingOptions>> validators)
{
    public ScalableMessagingOptions Create(string shard, string connectionString)
    {
        var options = new ScalableMessagingOptions { ConnectionString = connectionString };
        configure(shard, options);
        foreach (var validator in validators)
        {
            var result = validator.Validate(shard, options);
            if (result.Failed)
            {
                throw new OptionsValidationException(shard, typeof(ScalableMessagingOptions), result.Failures);
            }
        }

        return options;
    }
}
