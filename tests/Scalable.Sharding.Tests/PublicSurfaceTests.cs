using System.Reflection;

namespace Scalable.Sharding.Tests;

// What a user of the package can see: what is created only by AddScalableSharding, and how the signatures are annotated.
public sealed class PublicSurfaceTests
{
    private static readonly NullabilityInfoContext Nullability = new();

    [Theory]
    [InlineData(typeof(ShardMap))]
    [InlineData(typeof(ShardedDatabase))]
    public void The_shard_map_and_the_database_have_no_public_constructor_as_AddScalableSharding_creates_them(Type type)
    {
        Assert.Empty(type.GetConstructors(BindingFlags.Public | BindingFlags.Instance));
    }

    [Fact]
    public void Every_public_signature_says_whether_its_references_may_be_null()
    {
        var members = typeof(ShardMap).Assembly.GetExportedTypes()
            .SelectMany(t => t.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => !m.Name.Contains('<', StringComparison.Ordinal));
        var oblivious = new List<string>();
        foreach (var member in members)
        {
            var states = member switch
            {
                MethodBase method => method.GetParameters().Select(p => Nullability.Create(p))
                    .Concat(method is MethodInfo m ? [Nullability.Create(m.ReturnParameter)] : []),
                PropertyInfo property => [Nullability.Create(property)],
                FieldInfo field => [Nullability.Create(field)],
                _ => [],
            };
            // A get-only property has no write state to speak of; everything else must be annotated either way.
            if (states.Any(s => s.ReadState == NullabilityState.Unknown || (s.WriteState == NullabilityState.Unknown && member is not PropertyInfo { CanWrite: false })))
            {
                oblivious.Add($"{member.DeclaringType!.Name}.{member}");
            }
        }

        Assert.True(oblivious.Count == 0, "Oblivious: " + string.Join("; ", oblivious));
    }
}
