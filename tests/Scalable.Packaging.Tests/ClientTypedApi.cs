using System.Reflection;

namespace Scalable.Packaging.Tests;

// A public member of our packages whose signature names a type from a client package that the user's app brings
// in its own version. Label is what the consumer app prints for it ("new RedisGcraRateLimiter",
// "ScalableCachingBuilder.WithRedis"); Entries are its metadata signatures as PackageApiCheck.Referenced writes
// them (a property has one per accessor; using any of them uses the property).
internal sealed record ClientTypedMember(string Label, IReadOnlyList<string> Entries)
{
    public override string ToString() => $"{Label}  ({string.Join(" | ", Entries)})";
}

// Finds, by reflection, every public (or protected) constructor, method, property, event and field of the exported
// types whose parameters, return type, generic arguments or constraints name a StackExchange.Redis or
// Confluent.Kafka type: the members whose binding depends on the client version the user installs.
internal static class ClientTypedApi
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly string[] ClientAssemblies = ["StackExchange.Redis", "Confluent.Kafka"];

    public static IReadOnlyList<ClientTypedMember> Find(IEnumerable<Assembly> assemblies)
        => Find(assemblies.SelectMany(a => a.GetExportedTypes()));

    public static IReadOnlyList<ClientTypedMember> Find(IEnumerable<Type> types)
        => types.SelectMany(MembersOf).OrderBy(m => m.Label, StringComparer.Ordinal).ToList();

    private static IEnumerable<ClientTypedMember> MembersOf(Type type)
    {
        var accessors = new HashSet<MethodInfo>();
        foreach (var property in type.GetProperties(Declared))
        {
            var visible = property.GetAccessors(nonPublic: true).Where(Visible).ToList();
            accessors.UnionWith(property.GetAccessors(nonPublic: true));
            if (visible.Count > 0 && (NamesClient(property.PropertyType) || property.GetIndexParameters().Any(p => NamesClient(p.ParameterType))))
            {
                yield return new($"{Name(type)}.{property.Name}", visible.Select(MetadataNames.Method).ToList());
            }
        }

        foreach (var @event in type.GetEvents(Declared))
        {
            var visible = new[] { @event.AddMethod, @event.RemoveMethod, @event.RaiseMethod }.OfType<MethodInfo>().ToList();
            accessors.UnionWith(visible);
            visible = visible.Where(Visible).ToList();
            if (visible.Count > 0 && NamesClient(@event.EventHandlerType!))
            {
                yield return new($"{Name(type)}.{@event.Name}", visible.Select(MetadataNames.Method).ToList());
            }
        }

        foreach (var constructor in type.GetConstructors(Declared).Where(c => Visible(c) && NamesClient(c)))
        {
            yield return new($"new {Name(type)}", [MetadataNames.Method(constructor)]);
        }

        foreach (var method in type.GetMethods(Declared).Where(m => Visible(m) && !accessors.Contains(m) && NamesClient(m)))
        {
            yield return new($"{Name(type)}.{method.Name}", [MetadataNames.Method(method)]);
        }

        foreach (var field in type.GetFields(Declared).Where(f => (f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly) && NamesClient(f.FieldType)))
        {
            yield return new($"{Name(type)}.{field.Name}", [MetadataNames.Field(field)]);
        }
    }

    private static bool Visible(MethodBase method) => method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly;

    private static bool NamesClient(MethodBase method)
        => method.GetParameters().Any(p => NamesClient(p.ParameterType))
            || (method is MethodInfo info && NamesClient(info.ReturnType))
            || (method.IsGenericMethodDefinition && method.GetGenericArguments().Any(NamesClient));

    // Follows arrays, by-refs, pointers, generic arguments (Func<IServiceProvider, IConnectionMultiplexer>) and
    // generic constraints (where T : IConnectionMultiplexer) down to the named types.
    private static bool NamesClient(Type type)
    {
        if (type.HasElementType)
        {
            return NamesClient(type.GetElementType()!);
        }

        if (type.IsGenericParameter)
        {
            return type.GetGenericParameterConstraints().Any(NamesClient);
        }

        return ClientAssemblies.Contains(type.Assembly.GetName().Name, StringComparer.Ordinal)
            || (type.IsConstructedGenericType && type.GenericTypeArguments.Any(NamesClient));
    }

    private static string Name(Type type) => type.IsGenericType ? type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)] : type.Name;
}
