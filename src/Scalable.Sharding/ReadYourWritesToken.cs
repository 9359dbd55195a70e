using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Scalable.Sharding;

/// <summary>The WAL position of writes on one or more shards' primaries: a read that carries it sees those writes, from a standby that has replayed them or from the primary.</summary>
/// <remarks>
/// The string form (<see cref="ToString"/>, <see cref="Parse"/>) is compact and safe in an HTTP header or a cookie value:
/// entries <c>shard:LSN</c> joined by <c>.</c>, the shard name percent-encoded except for letters, digits, <c>-</c> and <c>_</c>,
/// the LSN in hexadecimal, e.g. <c>users-eu:16B374D848</c>. It is not a secret and not signed: a forged token can only
/// make a read wait <see cref="ReplicaReadOptions.ReadYourWritesWait"/> and go to the primary.
/// </remarks>
public readonly struct ReadYourWritesToken : IEquatable<ReadYourWritesToken>
{
    /// <summary>The longest string form <see cref="Parse"/> accepts.</summary>
    public const int MaxLength = 4096;

    /// <summary>A suggested HTTP header name for carrying the token between requests.</summary>
    public const string HeaderName = "Scalable-Read-Your-Writes";

    private readonly KeyValuePair<string, ulong>[]? _entries;

    private ReadYourWritesToken(KeyValuePair<string, ulong>[] entries) => _entries = entries;

    /// <summary>Gets the empty token, which asks nothing of a read.</summary>
    public static ReadYourWritesToken None => default;

    /// <summary>Gets whether the token names no write.</summary>
    public bool IsEmpty => _entries is null || _entries.Length == 0;

    /// <summary>Gets the shards the token names, with the WAL position (LSN) each read must see.</summary>
    public IReadOnlyDictionary<string, ulong> Positions =>
        (_entries ?? []).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

    /// <summary>Creates a token for one shard's WAL position.</summary>
    /// <param name="shard">The shard's name.</param>
    /// <param name="lsn">The WAL position (LSN) on the shard's primary at or after the write's commit.</param>
    /// <returns>The token.</returns>
    /// <exception cref="ArgumentException"><paramref name="shard"/> is null or empty.</exception>
    public static ReadYourWritesToken For(string shard, ulong lsn)
    {
        ArgumentException.ThrowIfNullOrEmpty(shard);
        return new ReadYourWritesToken([new KeyValuePair<string, ulong>(shard, lsn)]);
    }

    /// <summary>Returns a token that asks for this token's writes and the other's (the later position per shard).</summary>
    /// <param name="other">The other token.</param>
    /// <returns>The combined token.</returns>
    public ReadYourWritesToken Combine(ReadYourWritesToken other)
    {
        if (other.IsEmpty)
        {
            return this;
        }

        if (IsEmpty)
        {
            return other;
        }

        var merged = new Dictionary<string, ulong>(_entries!.Length + other._entries!.Length, StringComparer.Ordinal);
        foreach (var (shard, lsn) in _entries.Concat(other._entries))
        {
            merged[shard] = merged.TryGetValue(shard, out var known) ? Math.Max(known, lsn) : lsn;
        }

        return new ReadYourWritesToken(merged.OrderBy(e => e.Key, StringComparer.Ordinal).ToArray());
    }

    /// <summary>Returns the WAL position a read of the shard must see, or null when the token names no write there.</summary>
    /// <param name="shard">The shard's name.</param>
    /// <returns>The LSN, or null.</returns>
    public ulong? PositionFor(string shard)
    {
        foreach (var (name, lsn) in _entries ?? [])
        {
            if (string.Equals(name, shard, StringComparison.Ordinal))
            {
                return lsn;
            }
        }

        return null;
    }

    /// <summary>Parses the string form written by <see cref="ToString"/>.</summary>
    /// <param name="text">The string form; null or empty gives <see cref="None"/>.</param>
    /// <returns>The token.</returns>
    /// <exception cref="FormatException">The text is not a token; the message says what is wrong.</exception>
    public static ReadYourWritesToken Parse(string? text) =>
        TryParse(text, out var token, out var error) ? token : throw new FormatException($"Not a read-your-writes token: {error}");

    /// <summary>Parses the string form written by <see cref="ToString"/>, without throwing.</summary>
    /// <param name="text">The string form; null or empty gives <see cref="None"/>.</param>
    /// <param name="token">The token, or <see cref="None"/> when the text is not one.</param>
    /// <returns>Whether the text is a token.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, out ReadYourWritesToken token) => TryParse(text, out token, out _);

    /// <summary>Returns the compact string form, for an HTTP header or a cookie.</summary>
    /// <returns>The string form; empty for <see cref="None"/>.</returns>
    public override string ToString()
    {
        if (IsEmpty)
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        foreach (var (shard, lsn) in _entries!)
        {
            if (text.Length > 0)
            {
                text.Append('.');
            }

            foreach (var b in Encoding.UTF8.GetBytes(shard))
            {
                if (char.IsAsciiLetterOrDigit((char)b) || b == '-' || b == '_')
                {
                    text.Append((char)b);
                }
                else
                {
                    text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }
            }

            text.Append(':').Append(lsn.ToString("X", CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public bool Equals(ReadYourWritesToken other) => string.Equals(ToString(), other.ToString(), StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ReadYourWritesToken other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    /// <summary>Compares two tokens by their string form.</summary>
    /// <param name="left">The first token.</param>
    /// <param name="right">The second token.</param>
    /// <returns>Whether they name the same positions.</returns>
    public static bool operator ==(ReadYourWritesToken left, ReadYourWritesToken right) => left.Equals(right);

    /// <summary>Compares two tokens by their string form.</summary>
    /// <param name="left">The first token.</param>
    /// <param name="right">The second token.</param>
    /// <returns>Whether they name different positions.</returns>
    public static bool operator !=(ReadYourWritesToken left, ReadYourWritesToken right) => !left.Equals(right);

    private static bool TryParse(string? text, out ReadYourWritesToken token, out string error)
    {
        token = None;
        error = string.Empty;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (text.Length > MaxLength)
        {
            error = $"it is {text.Length} characters long, more than {MaxLength}.";
            return false;
        }

        var entries = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var entry in text.Split('.'))
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == entry.Length - 1)
            {
                error = $"the entry '{entry}' is not 'shard:LSN'.";
                return false;
            }

            var lsnText = entry.AsSpan(colon + 1);
            if (lsnText.Length > 16 || !ulong.TryParse(lsnText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var lsn))
            {
                error = $"the position '{lsnText}' of '{entry}' is not a hexadecimal LSN of at most 16 digits.";
                return false;
            }

            if (Unescape(entry.AsSpan(0, colon)) is not { } shard)
            {
                error = $"the shard name in '{entry}' has a character that is neither a letter, a digit, '-', '_' nor a %XX escape of UTF-8.";
                return false;
            }

            if (!entries.TryAdd(shard, lsn))
            {
                error = $"the shard '{shard}' appears twice.";
                return false;
            }
        }

        token = new ReadYourWritesToken(entries.OrderBy(e => e.Key, StringComparer.Ordinal).ToArray());
        return true;
    }

    private static string? Unescape(ReadOnlySpan<char> name)
    {
        var bytes = new List<byte>(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')
            {
                bytes.Add((byte)c);
            }
            else if (c == '%' && i + 2 < name.Length && byte.TryParse(name.Slice(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                return null;
            }
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
