using System.Security.Cryptography;
using System.Text;

namespace Scalable.Samples.UsersApi;

/// <summary>The optional Idempotency-Key header of a create: the new user's id is derived from it, so a create sent twice with one key
/// (a client's retry, or nginx passing a POST to the next instance after a failed connection) lands on the same shard, inserts once
/// and publishes one event; the second answer is the stored user.</summary>
internal static class IdempotencyKey
{
    public const string Header = "Idempotency-Key";
    public const int MaxLength = 200;

    public static string? Check(string? key)
        => key is null ? null
            : key.Length is 0 or > MaxLength || key.Any(c => c is < '!' or > '~')
                ? $"An {Header} has 1 to {MaxLength} printable ASCII characters without spaces."
                : null;

    /// <summary>A version-8 UUID (RFC 9562) from the SHA-256 of the key.</summary>
    public static Guid ToUserId(string key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.ASCII.GetBytes(key), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
