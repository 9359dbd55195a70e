using System.Reflection.Metadata;

namespace Scalable.TestSupport.Internal.Compatibility;

// The types, methods and fields an assembly defines, and the base class of each of its classes.
internal sealed class DefinedApi
{
    private static readonly SignatureNames Names = new();
    private readonly HashSet<ApiEntry> _defined = [];
    private readonly Dictionary<string, string> _baseClasses = new(StringComparer.Ordinal);

    private DefinedApi(MetadataReader reader)
    {
        foreach (var typeHandle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(typeHandle);
            var owner = SignatureNames.Of(reader, typeHandle);
            _defined.Add(ApiEntry.Type(owner));
            if (BaseClass(reader, type.BaseType) is { } baseClass)
            {
                _baseClasses[owner] = baseClass;
            }

            foreach (var methodHandle in type.GetMethods())
            {
                var method = reader.GetMethodDefinition(methodHandle);
                _defined.Add(ApiEntry.Method(owner, reader.GetString(method.Name), method.DecodeSignature(Names, null)));
            }

            foreach (var fieldHandle in type.GetFields())
            {
                var field = reader.GetFieldDefinition(fieldHandle);
                _defined.Add(ApiEntry.Field(owner, reader.GetString(field.Name), field.DecodeSignature(Names, null)));
            }
        }
    }

    public static DefinedApi Read(MetadataReader reader) => new(reader);

    // The runtime resolves a method reference on a class up its base classes (a method moved to a base class
    // still binds), but never a constructor, a field, or a member of an interface (base interfaces are not
    // searched) or of a struct; this walks the same way.
    public bool Defines(ApiEntry entry)
    {
        var owner = entry.Owner;
        while (!_defined.Contains(entry with { Owner = owner }))
        {
            if (entry.Kind != 'M' || entry.IsConstructor || !_baseClasses.TryGetValue(owner, out var baseClass))
            {
                return false;
            }

            owner = baseClass;
        }

        return true;
    }

    // A generic base class (Base<T>) would need its type parameters substituted into the signatures, so it is
    // not walked: a member found only there is reported, which errs on the safe side.
    private static string? BaseClass(MetadataReader reader, EntityHandle baseType) => baseType switch
    {
        { IsNil: true } => null,
        { Kind: HandleKind.TypeDefinition } => SignatureNames.Of(reader, (TypeDefinitionHandle)baseType),
        { Kind: HandleKind.TypeReference } => SignatureNames.Of(reader, (TypeReferenceHandle)baseType),
        _ => null,
    };
}
