using System.Reflection.Metadata;

namespace Scalable.TestSupport.Internal.Compatibility;

// The types, methods and fields an assembly references from other assemblies.
internal static class ReferencedApi
{
    private static readonly SignatureNames Names = new();

    public static List<ApiEntry> Read(MetadataReader reader)
    {
        var used = reader.TypeReferences.Select(h => ApiEntry.Type(SignatureNames.Of(reader, h))).ToList();
        foreach (var handle in reader.MemberReferences)
        {
            var member = reader.GetMemberReference(handle);
            if (Owner(reader, member.Parent) is not { } owner)
            {
                continue;
            }

            var name = reader.GetString(member.Name);
            used.Add(member.GetKind() == MemberReferenceKind.Method
                ? ApiEntry.Method(owner, name, member.DecodeMethodSignature(Names, null))
                : ApiEntry.Field(owner, name, member.DecodeFieldSignature(Names, null)));
        }

        return used;
    }

    // A member of a generic type is referenced through an instantiation (IProducer<string, byte[]>), but its
    // signature is written with the definition's type parameters (!0, !1), so the definition is the owner.
    // Other type specifications are arrays, whose members the runtime provides.
    private static string? Owner(MetadataReader reader, EntityHandle parent)
    {
        if (parent.Kind == HandleKind.TypeReference)
        {
            return SignatureNames.Of(reader, (TypeReferenceHandle)parent);
        }

        if (parent.Kind != HandleKind.TypeSpecification)
        {
            return null;
        }

        var blob = reader.GetBlobReader(reader.GetTypeSpecification((TypeSpecificationHandle)parent).Signature);
        if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance)
        {
            return null;
        }

        blob.ReadSignatureTypeCode();
        var generic = blob.ReadTypeHandle();
        return generic.Kind == HandleKind.TypeReference ? SignatureNames.Of(reader, (TypeReferenceHandle)generic) : null;
    }
}
