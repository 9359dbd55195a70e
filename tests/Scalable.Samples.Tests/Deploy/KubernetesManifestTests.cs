using System.Diagnostics;

namespace Scalable.Samples.Tests.Deploy;

// deploy/kubernetes checked without a cluster: every object against the Kubernetes JSON schemas (npm kubernetes-models,
// installed by build/setup.sh at the versions pinned in deploy/validate/package-lock.json) and the references between them.
public sealed class KubernetesManifestTests
{
    private static readonly string Root = RepositoryPaths.Root;

    [Fact]
    public async Task The_manifests_match_the_kubernetes_schemas_and_each_other()
    {
        var (exitCode, output) = await ValidateAsync(Path.Combine(Root, "deploy", "kubernetes"));

        Assert.True(exitCode == 0, output);
        Assert.Contains("valid: 9 objects", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_type_a_missing_secret_key_and_an_unlisted_file_are_each_reported()
    {
        var folder = Directory.CreateTempSubdirectory("scalable-k8s-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(Path.Combine(Root, "deploy", "kubernetes")))
            {
                File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            }

            Replace(Path.Combine(folder, "deployment-api.yaml"), "replicas: 3", "replicas: three");
            Replace(Path.Combine(folder, "secret.yaml"), "  shard2:", "  shard9:");
            File.WriteAllText(Path.Combine(folder, "extra.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra }\n");

            var (exitCode, output) = await ValidateAsync(folder);

            Assert.Equal(1, exitCode);
            Assert.Contains("spec/replicas must be integer", output, StringComparison.Ordinal);
            Assert.Contains("names key shard2, which Secret users-api-connections lacks", output, StringComparison.Ordinal);
            Assert.Contains("extra.yaml is not listed in resources", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Replace(string path, string from, string to)
    {
        var text = File.ReadAllText(path);
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    private static async Task<(int ExitCode, string Output)> ValidateAsync(string target)
    {
        var validator = Path.Combine(Root, "deploy", "validate");
        Assert.True(Directory.Exists(Path.Combine(validator, "node_modules")), "The validator's packages are missing: run build/setup.sh (npm ci in deploy/validate).");
        var info = new ProcessStartInfo("node") { WorkingDirectory = validator, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("validate.mjs");
        info.ArgumentList.Add(target);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
