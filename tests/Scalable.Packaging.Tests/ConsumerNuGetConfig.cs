using System.Xml.Linq;

namespace Scalable.Packaging.Tests;

// The NuGet.config a user writes to install packages from a local folder: that folder for Scalable.*, and the
// repository's own nuget.org source (a local mirror on offline machines) for everything else. Empty
// Directory.Build.props and Directory.Packages.props stop MSBuild from looking further up for ours.
internal static class ConsumerNuGetConfig
{
    public static void Write(string appFolder, string packageFolder, string repositoryRoot)
    {
        File.WriteAllText(Path.Combine(appFolder, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(appFolder, "Directory.Packages.props"), "<Project />\n");
        var nugetOrg = XDocument.Load(Path.Combine(repositoryRoot, "NuGet.config")).Descendants("packageSources").Single()
            .Elements("add").Single(e => (string?)e.Attribute("key") == "nuget.org");
        new XDocument(new XElement(
            "configuration",
            new XElement(
                "packageSources",
                new XElement("clear"),
                new XElement("add", new XAttribute("key", "local"), new XAttribute("value", packageFolder)),
                nugetOrg),
            new XElement(
                "packageSourceMapping",
                new XElement("packageSource", new XAttribute("key", "local"), new XElement("package", new XAttribute("pattern", "Scalable.*"))),
                new XElement("packageSource", new XAttribute("key", "nuget.org"), new XElement("package", new XAttribute("pattern", "*"))))))
            .Save(Path.Combine(appFolder, "NuGet.config"));
    }
}
