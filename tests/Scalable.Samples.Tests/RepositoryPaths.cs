namespace Scalable.Samples.Tests;

/// <summary>Files of the repository the tests read (the nginx template, the Kubernetes manifests), found above the test assembly.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Scalable.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (with Scalable.sln) was not found above the test assembly.");
    }
}
