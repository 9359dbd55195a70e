using System.Diagnostics;
using System.Globalization;
using System.Xml.Linq;

namespace Scalable.Packaging.Tests;

// The four packages, packed once per test process by build/pack.sh with a version no earlier run used (so NuGet's
// package cache cannot serve a stale copy), into a folder outside the repository. Every test class that needs the
// packed packages shares this one pack.
internal sealed class PackedPackages
{
    public static readonly string[] Ids = ["Scalable.Caching", "Scalable.Sharding", "Scalable.Messaging", "Scalable.Resilience"];

    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(20); // about a minute on a quiet machine; far more while other builds share the two cores
    private static readonly Lazy<Task<PackedPackages>> Shared = new(PackAsync);

    private PackedPackages(string repositoryRoot, string version, string folder, TimeSpan packTime)
    {
        RepositoryRoot = repositoryRoot;
        Version = version;
        Folder = folder;
        PackTime = packTime;
    }

    public string RepositoryRoot { get; }

    public string Version { get; }

    public string Folder { get; }

    public TimeSpan PackTime { get; }

    public static Task<PackedPackages> GetAsync() => Shared.Value;

    public string PackagePath(string id) => Path.Combine(Folder, $"{id}.{Version}.nupkg");

    public string SymbolPackagePath(string id) => Path.Combine(Folder, $"{id}.{Version}.snupkg");

    public static string FindRepositoryRoot()
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

    // The packed versions in NuGet's global cache are removed by the process that packed them, at exit: each run's
    // unique version would otherwise stay there for good.
    public static void RemoveFromNuGetCache(string version)
    {
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in Ids)
        {
            var versions = Path.Combine(cache, id.ToLowerInvariant());
            var folder = Path.Combine(versions, version.ToLowerInvariant());
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            if (Directory.Exists(versions) && !Directory.EnumerateFileSystemEntries(versions).Any())
            {
                Directory.Delete(versions);
            }
        }
    }

    // A test host killed before its exit handler ran leaves its versions behind; they are removed by the next run.
    private static void RemoveStaleTestVersions()
    {
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in Ids)
        {
            var versions = Path.Combine(cache, id.ToLowerInvariant());
            if (!Directory.Exists(versions))
            {
                continue;
            }

            foreach (var stale in Directory.GetDirectories(versions, "*-test.*").Where(d => Directory.GetLastWriteTimeUtc(d) < DateTime.UtcNow.AddHours(-1)))
            {
                RemoveFromNuGetCache(Path.GetFileName(stale));
            }
        }
    }

    private static async Task<PackedPackages> PackAsync()
    {
        RemoveStaleTestVersions();
        var root = FindRepositoryRoot();
        var prefix = XDocument.Load(Path.Combine(root, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;
        var version = $"{prefix}-test.{DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}.{Environment.ProcessId}";
        var folder = Path.Combine(TestServers.WorkRoot, $"packages-{Guid.NewGuid():N}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            RemoveFromNuGetCache(version);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        };

        var stopwatch = Stopwatch.StartNew();
        var pack = await ProcessResult.RunAsync("bash", [Path.Combine(root, "build", "pack.sh"), "--version", version, folder], root, PackTimeout);
        Assert.True(pack.ExitCode == 0, $"build/pack.sh failed, {pack}");
        var packed = new PackedPackages(root, version, folder, stopwatch.Elapsed);
        foreach (var id in Ids)
        {
            Assert.True(File.Exists(packed.PackagePath(id)), $"build/pack.sh made no {Path.GetFileName(packed.PackagePath(id))}, {pack}");
            Assert.True(File.Exists(packed.SymbolPackagePath(id)), $"build/pack.sh made no {Path.GetFileName(packed.SymbolPackagePath(id))}, {pack}");
        }

        return packed;
    }
}
