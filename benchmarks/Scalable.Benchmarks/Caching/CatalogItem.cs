namespace Scalable.Benchmarks.Caching;

/// <summary>A cached value of about 1 KB as JSON.</summary>
/// <param name="Id">The id.</param>
/// <param name="Name">The name.</param>
/// <param name="Price">The price.</param>
/// <param name="Tags">Some tags.</param>
/// <param name="Description">A long text that makes up most of the size.</param>
public sealed record CatalogItem(int Id, string Name, decimal Price, string[] Tags, string Description)
{
    /// <summary>The sample value used by the benchmarks.</summary>
    /// <returns>The value.</returns>
    public static CatalogItem Sample()
        => new(42, "Espresso machine", 349.99m, ["kitchen", "coffee", "appliance"], new string('d', 900));
}
