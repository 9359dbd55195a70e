using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using StackExchange.Redis;

namespace Scalable.Caching.Tests.Compatibility;

// Scalable.Caching compiles against StackExchange.Redis 1.2.6 (the only version that runs here), but
// applications bring 2.x: every type and member it references must exist in 2.x with the same signature.
public sealed class StackExchangeRedisTwoTests
{
    private const string NewestVersion = "2.13.23";
    private static readonly SignatureNames Names = new();

    [Fact]
    public void Every_StackExchange_Redis_member_the_library_uses_exists_in_2x_with_the_same_signature()
    {
        var used = Referenced(typeof(IScalableCache).Assembly.Location);
        var available = Defined(NewerAssemblyPath());

        Assert.NotEmpty(used);
        Assert.Contains(used, u => u.Contains("StringSetAsync", StringComparison.Ordinal));
        Assert.DoesNotContain(used, u => !available.Contains(u));
    }

    private static string NewerAssemblyPath()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(root, "stackexchange.redis", NewestVersion, "lib", "net10.0", "StackExchange.Redis.dll");
        Assert.True(File.Exists(path), $"{path} is missing; the test project's PackageDownload of StackExchange.Redis {NewestVersion} puts it there on restore.");
        return path;
    }

    private static List<string> Referenced(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var used = reader.TypeReferences
            .Select(h => "T " + SignatureNames.Of(reader, h))
            .Where(IsRedis)
            .ToList();
        foreach (var handle in reader.MemberReferences)
        {
            var member = reader.GetMemberReference(handle);
            if (member.Parent.Kind != HandleKind.TypeReference)
            {
                continue;
            }

            var owner = SignatureNames.Of(reader, (TypeReferenceHandle)member.Parent);
            var name = reader.GetString(member.Name);
            var entry = member.GetKind() == MemberReferenceKind.Method
                ? Method(owner, name, member.DecodeMethodSignature(Names, null))
                : $"F {owner}::{name}:{member.DecodeFieldSignature(Names, null)}";
            if (IsRedis(entry))
            {
                used.Add(entry);
            }
        }

        return used;
    }

    private static HashSet<string> Defined(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var typeHandle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(typeHandle);
            var owner = SignatureNames.Of(reader, typeHandle);
            defined.Add("T " + owner);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = reader.GetMethodDefinition(methodHandle);
                defined.Add(Method(owner, reader.GetString(method.Name), method.DecodeSignature(Names, null)));
            }

            foreach (var fieldHandle in type.GetFields())
            {
                var field = reader.GetFieldDefinition(fieldHandle);
                defined.Add($"F {owner}::{reader.GetString(field.Name)}:{field.DecodeSignature(Names, null)}");
            }
        }

        return defined;
    }

    private static string Method(string owner, string name, MethodSignature<string> signature)
        => $"M {owner}::{name}({string.Join(",", signature.ParameterTypes)}):{signature.ReturnType}";

    private static bool IsRedis(string entry) => entry[2..].StartsWith(typeof(IDatabase).Namespace + ".", StringComparison.Ordinal);
}
