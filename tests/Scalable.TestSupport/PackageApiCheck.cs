using Scalable.TestSupport.Internal.Compatibility;

namespace Scalable.TestSupport;

/// <summary>Compares what an assembly uses from a package with what a newer version of that package defines, from metadata alone.</summary>
public static class PackageApiCheck
{
    /// <summary>Lists the types, methods and fields under the namespace prefix that the assembly references, one line each.</summary>
    /// <param name="assemblyPath">The path of the assembly that uses the package.</param>
    /// <param name="namespacePrefix">The package's root namespace, such as "StackExchange.Redis".</param>
    /// <returns>The referenced entries, sorted, as "T Type", "M Type::Name(Parameters):Return" or "F Type::Name:Type".</returns>
    public static IReadOnlyList<string> Referenced(string assemblyPath, string namespacePrefix)
        => Texts(ReferencedUnder(assemblyPath, namespacePrefix));

    /// <summary>Lists the referenced entries under the namespace prefix that the newer assembly does not define with the same signature.</summary>
    /// <param name="assemblyPath">The path of the assembly that uses the package.</param>
    /// <param name="namespacePrefix">The package's root namespace, such as "Confluent.Kafka".</param>
    /// <param name="newerAssemblyPath">The path of the newer version's assembly, for example from <see cref="PackageAssembly"/>.</param>
    /// <returns>The entries that would fail to bind at run time against the newer version; empty when all bind.</returns>
    public static IReadOnlyList<string> Missing(string assemblyPath, string namespacePrefix, string newerAssemblyPath)
    {
        var defined = AssemblyMetadata.Read(newerAssemblyPath, DefinedApi.Read);
        return Texts(ReferencedUnder(assemblyPath, namespacePrefix).Where(e => !defined.Defines(e)));
    }

    /// <summary>Finds a package's assembly in the NuGet package folder, where a PackageDownload in the test project puts it on restore.</summary>
    /// <param name="packageId">The package id, which is also the assembly's name.</param>
    /// <param name="version">The exact package version.</param>
    /// <param name="framework">The lib folder to read, such as "net8.0".</param>
    /// <returns>The assembly's path.</returns>
    /// <exception cref="FileNotFoundException">The package version was not downloaded.</exception>
    public static string PackageAssembly(string packageId, string version, string framework)
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(root, packageId.ToLowerInvariant(), version, "lib", framework, packageId + ".dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{path} is missing. Add <PackageDownload Include=\"{packageId}\" Version=\"[{version}]\" /> to the test project and restore it (dotnet restore); the package is read as metadata, never loaded.",
                path);
        }

        return path;
    }

    private static IEnumerable<ApiEntry> ReferencedUnder(string assemblyPath, string namespacePrefix)
        => AssemblyMetadata.Read(assemblyPath, ReferencedApi.Read).Where(e => e.IsIn(namespacePrefix));

    private static List<string> Texts(IEnumerable<ApiEntry> entries)
        => entries.Select(e => e.ToString()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
}
