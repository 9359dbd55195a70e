using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

namespace Scalable.Packaging.Tests;

// What a package page and a user's restore see: the .nuspec and files of each package that build/pack.sh makes.
public sealed class PackageMetadataTests
{
    private const string RepositoryUrl = "https://github.com/scalable-dotnet/scalable";

    // SourceLink's entry in a portable PDB (https://github.com/dotnet/runtime/blob/main/docs/design/specs/PortablePdb-Metadata.md).
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    // Each package's own tags, and tags of the other packages that it must not carry.
    public static TheoryData<string, string[], string[]> Tags => new()
    {
        { "Scalable.Caching", ["caching", "redis"], ["sharding", "kafka", "outbox", "rate-limiting", "postgresql"] },
        { "Scalable.Sharding", ["sharding", "postgresql"], ["caching", "kafka", "outbox", "rate-limiting", "redis"] },
        { "Scalable.Messaging", ["outbox", "kafka", "postgresql"], ["caching", "sharding", "rate-limiting", "redis"] },
        { "Scalable.Resilience", ["rate-limiting", "circuit-breaker", "redis"], ["caching", "sharding", "kafka", "outbox", "postgresql"] },
    };

    public static TheoryData<string> Ids => new(PackedPackages.Ids);

    [Theory]
    [MemberData(nameof(Tags))]
    public async Task Each_package_carries_its_own_tags_only(string id, string[] own, string[] others)
    {
        var tags = (await NuspecAsync(id)).Tags.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        Assert.All(own, tag => Assert.Contains(tag, tags));
        Assert.All(others, tag => Assert.DoesNotContain(tag, tags));
    }

    // The one deliberate exception: HybridCache, which Scalable.Caching implements, first ships in
    // Microsoft.Extensions.Caching.Abstractions 9.0.0, so the net8.0 build takes exactly that package at 9.0.0.
    private static bool IsHybridCacheAbstractions(string framework, Dependency d) =>
        framework == "net8.0" && d.Id == "Microsoft.Extensions.Caching.Abstractions" && d.Range == "9.0.0";

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Depends_on_the_Microsoft_Extensions_line_of_each_target_framework(string id)
    {
        var nuspec = await NuspecAsync(id);

        Assert.Equal(["net10.0", "net8.0"], nuspec.Groups.Keys.Order(StringComparer.Ordinal));
        foreach (var (framework, major) in new[] { ("net8.0", "8."), ("net10.0", "10.") })
        {
            var platform = nuspec.Groups[framework].Where(d => d.Id.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) || d.Id == "System.Threading.RateLimiting").ToList();
            Assert.NotEmpty(platform);
            Assert.All(platform, d => Assert.True(
                (d.Range.StartsWith(major, StringComparison.Ordinal) || IsHybridCacheAbstractions(framework, d)) && !d.Range.Contains(',', StringComparison.Ordinal),
                $"{id} {framework} depends on {d.Id} {d.Range}; expected a floor on the {major}x line (no upper bound)"));
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Depends_on_the_client_floors_with_open_ranges(string id)
    {
        var nuspec = await NuspecAsync(id);
        var floors = new Dictionary<string, string> { ["StackExchange.Redis"] = "2.6.70", ["Confluent.Kafka"] = "2.15.1", ["Npgsql"] = "10.0.3", ["Polly.Core"] = "8.9.1" };

        foreach (var group in nuspec.Groups.Values)
        {
            Assert.All(group.Where(d => floors.ContainsKey(d.Id)), d => Assert.Equal(floors[d.Id], d.Range));
            Assert.DoesNotContain(group, d => d.Id is "Microsoft.SourceLink.GitHub" or "Microsoft.CodeAnalysis.PublicApiAnalyzers");
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Carries_readme_license_repository_docs_and_symbols(string id)
    {
        var packages = await PackedPackages.GetAsync();
        var nuspec = await NuspecAsync(id);

        Assert.Equal(packages.Version, nuspec.Version);
        Assert.Equal(("expression", "MIT"), nuspec.License);
        Assert.Equal("README.md", nuspec.Readme);
        Assert.Equal(RepositoryUrl, nuspec.Repository.Url);
        Assert.Matches("^[0-9a-f]{40}$", nuspec.Repository.Commit);
        Assert.False(string.IsNullOrWhiteSpace(nuspec.Description));

        using var package = ZipFile.OpenRead(packages.PackagePath(id));
        var readme = package.GetEntry("README.md") ?? throw new Xunit.Sdk.XunitException($"{id} has no README.md");
        using (var reader = new StreamReader(readme.Open()))
        {
            ReadmeLinks.AssertAbsolute(await reader.ReadToEndAsync(), $"{id}'s packed README.md");
        }

        foreach (var framework in new[] { "net8.0", "net10.0" })
        {
            Assert.NotNull(package.GetEntry($"lib/{framework}/{id}.dll"));
            Assert.NotNull(package.GetEntry($"lib/{framework}/{id}.xml"));
        }

        using var symbols = ZipFile.OpenRead(packages.SymbolPackagePath(id));
        foreach (var framework in new[] { "net8.0", "net10.0" })
        {
            var pdb = symbols.GetEntry($"lib/{framework}/{id}.pdb") ?? throw new Xunit.Sdk.XunitException($"{id}.snupkg has no {framework} pdb");
            using var stream = new MemoryStream();
            using (var entry = pdb.Open())
            {
                await entry.CopyToAsync(stream);
            }

            stream.Position = 0;
            using var provider = MetadataReaderProvider.FromPortablePdbStream(stream);
            var reader = provider.GetMetadataReader();
            var sourceLink = reader.CustomDebugInformation.Select(reader.GetCustomDebugInformation)
                .Where(info => reader.GetGuid(info.Kind) == SourceLinkKind)
                .Select(info => System.Text.Encoding.UTF8.GetString(reader.GetBlobBytes(info.Value)))
                .SingleOrDefault();
            Assert.True(sourceLink is not null, $"{id} {framework}: the PDB has no SourceLink");
            Assert.Contains("raw.githubusercontent.com/scalable-dotnet/scalable/", sourceLink, StringComparison.Ordinal);
            Assert.All(reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name)), path => Assert.StartsWith("/_/", path, StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task The_assemblies_are_deterministic(string id)
    {
        var packages = await PackedPackages.GetAsync();
        using var package = ZipFile.OpenRead(packages.PackagePath(id));
        using var stream = new MemoryStream();
        using (var dll = package.GetEntry($"lib/net10.0/{id}.dll")!.Open())
        {
            await dll.CopyToAsync(stream);
        }

        stream.Position = 0;
        using var pe = new PEReader(stream);
        Assert.Contains(pe.ReadDebugDirectory(), entry => entry.Type == DebugDirectoryEntryType.Reproducible);
    }

    private static async Task<Nuspec> NuspecAsync(string id)
    {
        var packages = await PackedPackages.GetAsync();
        using var package = ZipFile.OpenRead(packages.PackagePath(id));
        var entry = package.GetEntry($"{id}.nuspec") ?? throw new Xunit.Sdk.XunitException($"{id}.nupkg has no {id}.nuspec");
        XDocument document;
        using (var stream = entry.Open())
        {
            document = XDocument.Load(stream);
        }

        var metadata = document.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? string.Empty;
        var license = metadata.Elements().Single(e => e.Name.LocalName == "license");
        var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
        var groups = metadata.Descendants().Where(e => e.Name.LocalName == "group").ToDictionary(
            g => NormalizeFramework((string)g.Attribute("targetFramework")!),
            g => g.Elements().Select(d => new Dependency((string)d.Attribute("id")!, (string)d.Attribute("version")!)).ToList());
        return new Nuspec(
            Value("version"), Value("tags"), Value("description"), Value("readme"),
            ((string)license.Attribute("type")!, license.Value),
            ((string?)repository.Attribute("url") ?? string.Empty, (string?)repository.Attribute("commit") ?? string.Empty),
            groups);
    }

    // NuGet writes "net8.0" as ".NETCoreApp8.0" or "net8.0" depending on version; compare the short form.
    private static string NormalizeFramework(string framework)
        => framework.StartsWith(".NETCoreApp", StringComparison.Ordinal) ? "net" + framework[".NETCoreApp".Length..] : framework;

    private sealed record Dependency(string Id, string Range);

    private sealed record Nuspec(
        string Version, string Tags, string Description, string Readme, (string Type, string Value) License, (string Url, string Commit) Repository,
        Dictionary<string, List<Dependency>> Groups);
}
