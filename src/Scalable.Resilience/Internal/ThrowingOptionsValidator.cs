using Microsoft.Extensions.Options;

namespace Scalable.Resilience.Internal;

// Adapts the limiters' own checks (which throw, naming the setting) to IValidateOptions, so ValidateOnStart fails the host.
internal sealed class ThrowingOptionsValidator<TOptions>(string name, Action<TOptions> validate) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? optionsName, TOptions options)
    {
        if (optionsName != name)
        {
            return ValidateOptionsResult.Skip;
        }

        try
        {
            validate(options);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException exception)
        {
            return ValidateOptionsResult.Fail($"Rate limiter '{name}': {exception.Message}");
        }
    }
}
