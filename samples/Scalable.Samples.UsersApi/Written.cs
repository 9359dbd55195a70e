using Scalable.Sharding;

namespace Scalable.Samples.UsersApi;

/// <summary>The outcome of a write, with the token a later read carries to see it (empty when nothing was written).</summary>
internal readonly record struct Written<T>(T Value, ReadYourWritesToken Token);
