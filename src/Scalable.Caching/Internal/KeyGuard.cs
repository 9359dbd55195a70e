namespace Scalable.Caching.Internal;

internal static class KeyGuard
{
    public static void Validate(string key, int maximumLength, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(key, paramName);
        if (key.Length > maximumLength)
        {
            throw new ArgumentException(
                $"The {paramName} is {key.Length} characters long; the limit is {maximumLength} ({nameof(ScalableCachingOptions)}.{nameof(ScalableCachingOptions.MaximumKeyLength)}).",
                paramName);
        }
    }
}
