using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Scalable.TestSupport.Internal.Compatibility;

// Reads an assembly's metadata without loading it, so a package that cannot run here can still be inspected.
internal static class AssemblyMetadata
{
    public static T Read<T>(string assemblyPath, Func<MetadataReader, T> read)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        return read(pe.GetMetadataReader());
    }
}
