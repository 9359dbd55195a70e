// Written next to the generated Program.cs: the application's own types that the README quick starts assume
// (a product store, an order), as a user's app would have them. Never compiled in the test project itself.
public sealed record Product(int Id, string Name);

public sealed record Order(int Id);

public sealed record OrderPlaced(int OrderId);

public sealed class ProductDb
{
    public Task<Product> LoadAsync(int id, CancellationToken cancellationToken) => Task.FromResult(new Product(id, $"product {id}"));
}
