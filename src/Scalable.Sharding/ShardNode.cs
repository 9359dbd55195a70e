using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Scalable.Sharding;

/// <summary>A shard as a router sees it: a unique name and a relative weight.</summary>
/// <remarks>
/// Written out rather than a <c>record struct</c>, whose compiler-made <c>Equals(object)</c> and <c>ToString()</c> carry no
/// nullability annotations; <c>default(ShardNode)</c> has an empty name, which every router rejects.
/// </remarks>
public readonly struct ShardNode : IEquatable<ShardNode>
{
    private readonly string? _name;

    /// <summary>Creates a shard node.</summary>
    /// <param name="name">The shard's unique name; ring positions are derived from it, so renaming a shard moves its keys.</param>
    /// <param name="weight">The shard's relative share of keys (must be positive; 2 takes about twice the keys of 1).</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public ShardNode(string name, double weight = 1.0)
    {
        ArgumentNullException.ThrowIfNull(name);
        _name = name;
        Weight = weight;
    }

    /// <summary>Gets the shard's unique name (empty for <c>default(ShardNode)</c>).</summary>
    /// <exception cref="ArgumentNullException">The name set is null.</exception>
    public string Name
    {
        get => _name ?? string.Empty;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            _name = value;
        }
    }

    /// <summary>Gets the shard's relative share of keys.</summary>
    public double Weight { get; init; }

    /// <summary>Returns whether two nodes have the same name (ordinal) and weight.</summary>
    /// <param name="left">The first node.</param>
    /// <param name="right">The second node.</param>
    /// <returns><see langword="true"/> when they are equal.</returns>
    public static bool operator ==(ShardNode left, ShardNode right) => left.Equals(right);

    /// <summary>Returns whether two nodes differ in name or weight.</summary>
    /// <param name="left">The first node.</param>
    /// <param name="right">The second node.</param>
    /// <returns><see langword="true"/> when they differ.</returns>
    public static bool operator !=(ShardNode left, ShardNode right) => !left.Equals(right);

    /// <summary>Splits the node into its name and weight.</summary>
    /// <param name="name">The name.</param>
    /// <param name="weight">The weight.</param>
    public void Deconstruct(out string name, out double weight) => (name, weight) = (Name, Weight);

    /// <summary>Returns whether another node has the same name (ordinal) and weight.</summary>
    /// <param name="other">The other node.</param>
    /// <returns><see langword="true"/> when they are equal.</returns>
    public bool Equals(ShardNode other) => string.Equals(Name, other.Name, StringComparison.Ordinal) && Weight.Equals(other.Weight);

    /// <inheritdoc />
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is ShardNode other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(Name), Weight);

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"ShardNode {{ Name = {Name}, Weight = {Weight} }}");
}
