using System.Diagnostics;
using System.Xml.Linq;

namespace Scalable.Packaging.Tests;

// Writes the consumer app into a folder outside the repository with its own NuGet.config (the packages packed once
// per test process by PackedPackages, plus the repository's nuget.org source) and builds it, as a user's machine would.
public sealed class ConsumerAppFixture : IAsyncLifetime
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(10);

    public ConsumerAppFixture()
    {
        RepositoryRoot = PackedPackages.FindRepositoryRoot();
        WorkFolder = Path.Combine(TestServers.WorkRoot, $"consumer-{Guid.NewGuid():N}");
    }

    public string RepositoryRoot { get; }

    public string Version { get; private set; } = string.Empty;

    public string WorkFolder { get; }

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

        var packages = await PackedPackages.GetAsync();
        Version = packages.Version;
        PackTime = packages.PackTime;
        WriteApp(packages.Folder);
        var stopwatch = Stopwatch.StartNew();
        var build = await ProcessResult.RunAsync(
            Dotnet, ["build", "-c", "Release", "-nologo", "-v:q", "-clp:NoSummary", $"-p:ScalableVersion={Version}"], AppFolder, BuildTimeout);
        BuildTime = stopwatch.Elapsed;
        Assert.True(build.ExitCode == 0, $"The consumer app did not build against the packages, {build}");
    }

    public Task DisposeAsync()
    {
        DeleteFolder(WorkFolder);
        return Task.CompletedTask;
    }

    private void WriteApp(string packageFolder)
    {
        var template = Path.Combine(RepositoryRoot, "tests", "Scalable.Packaging.Tests", "ConsumerApp");
        foreach (var file in Directory.GetFiles(template))
        {
            File.Copy(file, Path.Combine(AppFolder, Path.GetFileName(file)));
        }

        ConsumerNuGetConfig.Write(AppFolder, packageFolder, RepositoryRoot);
    }

    private static void DeleteFolder(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
