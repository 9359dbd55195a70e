namespace Scalable.Caching.Internal;

internal sealed class JsonTypeInfoRegistration(Action<SystemTextJsonCacheSerializer> apply)
{
    public void ApplyTo(SystemTextJsonCacheSerializer serializer) => apply(serializer);
}
