using System.Text;

namespace Scalable.Samples.UsersApi;

/// <summary>Checks a create or update request field by field; the errors are keyed by the JSON field name, as RFC 7807 validation problems are.</summary>
internal static class UserValidator
{
    public const int MaxNameLength = 100;
    public const int MaxEmailLength = 254; // RFC 5321: the longest address a mail server must accept
    private const int MaxLocalPartLength = 64;
    private const int MaxLabelLength = 63;

    public static Dictionary<string, string[]>? Validate(UserInput input)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (CheckName(input.Name) is { } nameError)
        {
            errors["name"] = [nameError];
        }

        if (CheckEmail(input.Email) is { } emailError)
        {
            errors["email"] = [emailError];
        }

        return errors.Count == 0 ? null : errors;
    }

    public static string? CheckName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "A name is required.";
        }

        if (name.Length > MaxNameLength)
        {
            return $"A name has at most {MaxNameLength} characters.";
        }

        if (name.Trim().Length != name.Length)
        {
            return "A name does not start or end with white space.";
        }

        foreach (var rune in name.EnumerateRunes())
        {
            if (Rune.IsControl(rune) || rune == Rune.ReplacementChar)
            {
                return "A name contains no control characters (NUL, line breaks, tabs).";
            }
        }

        // EnumerateRunes turns lone surrogates into U+FFFD, so the loop above also refuses text that is not valid UTF-16.
        return null;
    }

    public static string? CheckEmail(string? email)
    {
        if (string.IsNullOrEmpty(email))
        {
            return "An e-mail address is required.";
        }

        if (email.Length > MaxEmailLength)
        {
            return $"An e-mail address has at most {MaxEmailLength} characters.";
        }

        var at = email.LastIndexOf('@');
        if (at <= 0 || at == email.Length - 1)
        {
            return "An e-mail address looks like name@example.com.";
        }

        return IsLocalPart(email.AsSpan(0, at)) && IsDomain(email.AsSpan(at + 1))
            ? null
            : "An e-mail address looks like name@example.com: letters, digits and .!#$%&'*+/=?^_`{|}~- before the @, and a domain name with a dot after it.";
    }

    // The dot-atom of RFC 5322 (no quoted strings, no comments): what real sign-up forms accept.
    private static bool IsLocalPart(ReadOnlySpan<char> local)
    {
        if (local.Length > MaxLocalPartLength || local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in local)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '.' || "!#$%&'*+/=?^_`{|}~-".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }

    // A host name of at least two labels (RFC 1123), ending in a top-level domain that is not all digits.
    private static bool IsDomain(ReadOnlySpan<char> domain)
    {
        var labels = 0;
        var lastLabelAllDigits = false;
        foreach (var range in domain.Split('.'))
        {
            var label = domain[range];
            if (label.Length is 0 or > MaxLabelLength || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            lastLabelAllDigits = true;
            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-'))
                {
                    return false;
                }

                lastLabelAllDigits &= char.IsAsciiDigit(c);
            }

            labels++;
        }

        return labels >= 2 && !lastLabelAllDigits;
    }
}
