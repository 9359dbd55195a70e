using Microsoft.Extensions.Options;

namespace Scalable.Sharding.Internal;

internal sealed class ShardingOptionsValidator : IValidateOptions<ScalableShardingOptions>
{
    public ValidateOptionsResult Validate(string? name, ScalableShardingOptions options)
    {
        var errors = ShardingOptionsValidation.Errors(options).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
