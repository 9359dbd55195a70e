using System.Text.RegularExpressions;

namespace Scalable.Messaging.Internal;

// Identifiers are checked against a strict pattern and then quoted, so a name can never carry SQL.
internal static partial class SqlIdentifier
{
    public const int MaxLength = 63;

    public static bool IsValid(string? name) => name is not null && name.Length <= MaxLength && Pattern().IsMatch(name);

    public static string Quote(string name) => IsValid(name)
        ? "\"" + name + "\""
        : throw new ArgumentException($"'{name}' is not a valid PostgreSQL identifier: use 1 to {MaxLength} lower-case letters, digits or underscores, starting with a letter or underscore.", nameof(name));

    [GeneratedRegex("^[a-z_][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
