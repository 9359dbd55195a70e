using System.Reflection.Metadata;

namespace Scalable.TestSupport.Internal.Compatibility;

// One type, method or field, written the same way whether it is referenced or defined:
// "T Owner", "M Owner::Name(Parameters):Return" or "F Owner::Name:Type".
internal readonly record struct ApiEntry(char Kind, string Owner, string Member)
{
    public bool IsConstructor => Member.StartsWith(".ctor(", StringComparison.Ordinal);

    public static ApiEntry Type(string name) => new('T', name, string.Empty);

    public static ApiEntry Method(string owner, string name, MethodSignature<string> signature)
        => new('M', owner, $"{name}({string.Join(",", signature.ParameterTypes)}):{signature.ReturnType}");

    public static ApiEntry Field(string owner, string name, string type) => new('F', owner, $"{name}:{type}");

    public bool IsIn(string namespacePrefix) => Owner.StartsWith(namespacePrefix + ".", StringComparison.Ordinal);

    public override string ToString() => Kind == 'T' ? $"T {Owner}" : $"{Kind} {Owner}::{Member}";
}
