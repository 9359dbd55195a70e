using System.Diagnostics;
using System.Globalization;
using System.Xml.Linq;

namespace Scalable.Packaging.Tests;

// Packs the four libraries once with a version no earlier run used (so NuGet's package cache cannot serve a stale
// 0.1.0), writes the consumer app into a folder outside the repository with its own NuGet.config (the packed
// packages plus the repository's nuget.org source) and builds it, as a user's machine would.
public sealed class ConsumerAppFixture : IAsyncLifetime
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(4);
    private static readonly string[] PackageIds = ["Scalable.Caching", "Scalable.Sharding", "Scalable.Messaging", "Scalable.Resilience"];

    public ConsumerAppFixture()
    {
        RepositoryRoot = FindRepositoryRoot();
        var prefix = XDocument.Load(Path.Combine(RepositoryRoot, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;
        Version = $"{prefix}-test.{DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}.{Environment.ProcessId}";
        WorkFolder = Path.Combine(TestServers.WorkRoot, $"consumer-{Guid.NewGuid():N}");
    }

    public string RepositoryRoot { get; }

    public string Version { get; }

    public string WorkFolder { get; }

    public string PackageFolder => Path.Combine(WorkFolder, "packages");

    public string AppFolder => Path.Combine(WorkFolder, "app");

    public string AppAssembly => Path.Combine(AppFolder, "bin", "Release", "net10.0", "ConsumerApp.dll");

    // The dotnet that runs the tests (the SDK sets DOTNET_HOST_PATH for its children), so the app gets the same SDK.
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    public TimeSpan PackTime { get; private set; }

    public TimeSpan BuildTime { get; private set; }

    // The version of a package the app references itself, as its project file says.
    public string ClientVersion(string packageId)
        => XDocument.Load(Path.Combine(AppFolder, "ConsumerApp.csproj")).Descendants("PackageReference")
            .Single(r => (string?)r.Attribute("Include") == packageId).Attribute("Version")!.Value;

    public async Task InitializeAsync()
    {
        Assert.False(
            Path.GetFullPath(WorkFolder).StartsWith(RepositoryRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal),
            $"{WorkFolder} is inside the repository, where its Directory.Build.props and Directory.Packages.props would apply.");
        Directory.CreateDirectory(AppFolder);

        var stopwatch = Stopwatch.StartNew();
        var pack = await ProcessResult.RunAsync("bash", [Path.Combine(RepositoryRoot, "build", "pack.sh"), "--version", Version, PackageFolder], RepositoryRoot, PackTimeout);
        Assert.True(pack.ExitCode == 0, $"build/pack.sh failed, {pack}");
        foreach (var id in PackageIds)
        {
            Assert.True(File.Exists(Path.Combine(PackageFolder, $"{id}.{Version}.nupkg")), $"build/pack.sh made no {id}.{Version}.nupkg, {pack}");
            Assert.True(File.Exists(Path.Combine(PackageFolder, $"{id}.{Version}.snupkg")), $"build/pack.sh made no {id}.{Version}.snupkg, {pack}");
        }

        PackTime = stopwatch.Elapsed;
        WriteApp();
        stopwatch.Restart();
        var build = await ProcessResult.RunAsync(
            Dotnet, ["build", "-c", "Release", "-nologo", "-v:q", "-clp:NoSummary", $"-p:ScalableVersion={Version}"], AppFolder, BuildTimeout);
        BuildTime = stopwatch.Elapsed;
        Assert.True(build.ExitCode == 0, $"The consumer app did not build against the packages, {build}");
    }

    public Task DisposeAsync()
    {
        DeleteFolder(WorkFolder);
        // Each run's unique version would otherwise stay in the machine's package cache for good.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in PackageIds)
        {
            var versions = Path.Combine(cache, id.ToLowerInvariant());
            DeleteFolder(Path.Combine(versions, Version.ToLowerInvariant()));
            if (Directory.Exists(versions) && !Directory.EnumerateFileSystemEntries(versions).Any())
            {
                Directory.Delete(versions);
            }
        }

        return Task.CompletedTask;
    }

    // Outside the repository nothing of ours applies: empty Directory.Build.props and Directory.Packages.props stop
    // MSBuild looking further up, and NuGet.config names the packed folder for our packages and the repository's own
    // nuget.org source (a local mirror on offline machines) for everything else.
    private void WriteApp()
    {
        var template = Path.Combine(RepositoryRoot, "tests", "Scalable.Packaging.Tests", "ConsumerApp");
        foreach (var file in Directory.GetFiles(template))
        {
            File.Copy(file, Path.Combine(AppFolder, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(AppFolder, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(AppFolder, "Directory.Packages.props"), "<Project />\n");

        var nugetOrg = XDocument.Load(Path.Combine(RepositoryRoot, "NuGet.config")).Descendants("packageSources").Single()
            .Elements("add").Single(e => (string?)e.Attribute("key") == "nuget.org");
        new XDocument(new XElement(
            "configuration",
            new XElement(
                "packageSources",
                new XElement("clear"),
                new XElement("add", new XAttribute("key", "local"), new XAttribute("value", PackageFolder)),
                nugetOrg),
            new XElement(
                "packageSourceMapping",
                new XElement("packageSource", new XAttribute("key", "local"), new XElement("package", new XAttribute("pattern", "Scalable.*"))),
                new XElement("packageSource", new XAttribute("key", "nuget.org"), new XElement("package", new XAttribute("pattern", "*"))))))
            .Save(Path.Combine(AppFolder, "NuGet.config"));
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Scalable.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Scalable.sln above {AppContext.BaseDirectory}.");
    }

    private static void DeleteFolder(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
