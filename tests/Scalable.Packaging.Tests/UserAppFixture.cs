using System.Diagnostics;

namespace Scalable.Packaging.Tests;

// The user's path, step by step: a new folder outside the repository, `dotnet new web`, `dotnet add package` for each
// of the four packages from the local package folder and for the clients the app brings itself, a Program.cs made of
// docs/index.md's getting-started snippet plus endpoints, one file per package README quick start (compiled as
// written), and `dotnet build`. One restore: `dotnet add package --no-restore` records the references, the build
// restores them once from NuGet's warm global cache.
public sealed class UserAppFixture : IAsyncLifetime
{
    public const string RedisClientVersion = "3.4.35";
    public const string KafkaClientVersion = "2.16.0";

    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(10);

    public UserAppFixture()
    {
        RepositoryRoot = PackedPackages.FindRepositoryRoot();
        AppFolder = Path.Combine(TestServers.WorkRoot, $"user-app-{Guid.NewGuid():N}");
    }

    public string RepositoryRoot { get; }

    public string AppFolder { get; }

    public string AppAssembly => Path.Combine(AppFolder, "bin", "Release", "net10.0", "UserApp.dll");

    public string Steps { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var packages = await PackedPackages.GetAsync();
        Directory.CreateDirectory(AppFolder);
        var log = new List<string> { $"pack {packages.PackTime}" };
        var stopwatch = Stopwatch.StartNew();

        await StepAsync(log, "dotnet new web", ["new", "web", "--name", "UserApp", "--output", AppFolder, "--framework", "net10.0", "--no-restore"]);
        ConsumerNuGetConfig.Write(AppFolder, packages.Folder, RepositoryRoot);
        foreach (var id in PackedPackages.Ids)
        {
            await StepAsync(log, $"dotnet add package {id}", ["add", "package", id, "--version", packages.Version, "--no-restore"]);
        }

        await StepAsync(log, "dotnet add package StackExchange.Redis", ["add", "package", "StackExchange.Redis", "--version", RedisClientVersion, "--no-restore"]);
        await StepAsync(log, "dotnet add package Confluent.Kafka", ["add", "package", "Confluent.Kafka", "--version", KafkaClientVersion, "--no-restore"]);

        var endpoints = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot, "tests", "Scalable.Packaging.Tests", "UserApp", "Endpoints.cs"));
        await File.WriteAllTextAsync(
            Path.Combine(AppFolder, "Program.cs"),
            QuickStarts.ProgramFile(QuickStarts.FirstCSharpBlock(Path.Combine(RepositoryRoot, "docs", "index.md")), endpoints));
        File.Copy(Path.Combine(RepositoryRoot, "tests", "Scalable.Packaging.Tests", "UserApp", "Support.cs"), Path.Combine(AppFolder, "Support.cs"));
        foreach (var id in PackedPackages.Ids)
        {
            var readme = Path.Combine(RepositoryRoot, "src", id, "README.md");
            await File.WriteAllTextAsync(Path.Combine(AppFolder, $"QuickStart.{id}.cs"), QuickStarts.ReadmeFile(id, QuickStarts.FirstCSharpBlock(readme)));
        }

        // NuGet's own warnings (a dependency resolved to another version than asked, a missing package) fail the build.
        await StepAsync(log, "dotnet build", ["build", "-c", "Release", "-nologo", "-v:q", "-clp:NoSummary", "-warnaserror:NU1603,NU1605,NU1608,NU1701,NU1102"]);
        Steps = $"{string.Join(", ", log)}; total {stopwatch.Elapsed}";
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(AppFolder))
        {
            Directory.Delete(AppFolder, recursive: true);
        }

        return Task.CompletedTask;
    }

    private async Task StepAsync(List<string> log, string name, string[] arguments)
    {
        var stopwatch = Stopwatch.StartNew();
        var result = await ProcessResult.RunAsync(ConsumerAppFixture.Dotnet, arguments, AppFolder, StepTimeout,
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });
        Assert.True(result.ExitCode == 0, $"`{name}` failed in {AppFolder}, {result}\n{string.Join("\n", Directory.GetFiles(AppFolder, "*.cs").Select(f => $"--- {Path.GetFileName(f)}\n{File.ReadAllText(f)}"))}");
        log.Add($"{name} {stopwatch.Elapsed.TotalSeconds:F1}s");
    }
}
