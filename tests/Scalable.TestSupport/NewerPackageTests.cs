using System.Reflection;

namespace Scalable.TestSupport;

/// <summary>A test that every type and member a library references from a package exists with the same signature in a newer version of that package.</summary>
/// <param name="library">The library that uses the package.</param>
/// <param name="packageId">The package id, which is also its assembly's name and root namespace.</param>
/// <param name="version">The newer version, which the test project gets through a PackageDownload.</param>
/// <param name="usedMember">Text of one entry the library is known to reference, so that an empty reference list cannot pass.</param>
public abstract class NewerPackageTests(Assembly library, string packageId, string version, string usedMember)
{
    /// <summary>Fails, listing what the newer version lacks, when a user's app with that version would throw MissingMethodException, MissingFieldException or TypeLoadException.</summary>
    /// <param name="framework">The newer package's lib folder, one for each framework the library ships for.</param>
    [Theory]
    [InlineData("net10.0")]
    [InlineData("net8.0")]
    public void Every_member_the_library_uses_exists_in_the_newer_version_with_the_same_signature(string framework)
    {
        Assert.Contains(PackageApiCheck.Referenced(library.Location, packageId), e => e.Contains(usedMember, StringComparison.Ordinal));

        var missing = PackageApiCheck.Missing(library.Location, packageId, PackageApiCheck.PackageAssembly(packageId, version, framework));
        Assert.True(missing.Count == 0, $"Not in {packageId} {version} ({framework}):\n" + string.Join("\n", missing));
    }
}
