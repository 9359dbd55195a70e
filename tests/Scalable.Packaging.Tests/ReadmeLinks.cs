using System.Text.RegularExpressions;

namespace Scalable.Packaging.Tests;

// A README is shown on the package's NuGet page, where a relative link (docs/caching.md) leads nowhere: every link
// and every mention of a docs page must be an absolute URL.
internal static partial class ReadmeLinks
{
    public static void AssertAbsolute(string markdown, string source)
    {
        var relative = MarkdownLink().Matches(markdown).Select(m => m.Groups["target"].Value)
            .Where(target => !target.StartsWith("https://", StringComparison.Ordinal) && !target.StartsWith("http://", StringComparison.Ordinal))
            .Concat(DocsMention().Matches(markdown).Select(m => m.Value))
            .ToList();
        Assert.True(relative.Count == 0, $"{source} has relative links or docs paths, dead on a package page: {string.Join(", ", relative)}");
    }

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"`docs/[\w./#-]+`")]
    private static partial Regex DocsMention();
}
