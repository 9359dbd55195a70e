namespace Scalable.Packaging.Tests;

// The split that turns a README quick start into a compilable file: using lines, statements and type declarations
// land where C# allows them.
public sealed class QuickStartsTests
{
    [Fact]
    public void Splits_a_snippet_into_usings_statements_and_types()
    {
        const string Code = """
            using Scalable.Caching;
            services.AddScalableCaching();

            public sealed class Products(IScalableCache cache)
            {
                public string Key(int id) => $"product:{id}";
            }

            public sealed record Order(int Id);
            await cache.RemoveAsync("product:42");
            """;

        var snippet = QuickStarts.Split(Code);

        Assert.Equal(["using Scalable.Caching;"], snippet.Usings);
        Assert.Equal(["public sealed class Products(IScalableCache cache)", "{", "    public string Key(int id) => $\"product:{id}\";", "}", "public sealed record Order(int Id);"], snippet.Types);
        Assert.Equal(["services.AddScalableCaching();", string.Empty, string.Empty, "await cache.RemoveAsync(\"product:42\");"], snippet.Statements);
    }

    [Fact]
    public void Every_package_readme_has_a_quick_start_with_its_own_using_line_and_absolute_links()
    {
        var root = PackedPackages.FindRepositoryRoot();
        foreach (var id in PackedPackages.Ids)
        {
            var readme = Path.Combine(root, "src", id, "README.md");
            var snippet = QuickStarts.Split(QuickStarts.FirstCSharpBlock(readme));
            Assert.True(snippet.Usings.Contains($"using {id};"), $"The quick start in {readme} lacks `using {id};`.");
            Assert.True(QuickStarts.ReadmeParameters.ContainsKey(id), $"No parameters declared for the quick start of {id}.");
            ReadmeLinks.AssertAbsolute(File.ReadAllText(readme), readme);
        }
    }
}
