using System.Text;

namespace Backoffice.Api.Audit;

/// <summary>
/// Makes caller-supplied text safe to store: cut to a length (never inside a surrogate pair) and
/// with control characters and lone surrogates replaced by U+FFFD (PostgreSQL text and jsonb
/// refuse NUL, and a log viewer should not interpret escapes).
/// </summary>
public static class AuditText
{
    public const char Replacement = '\uFFFD';

    public static string? Clip(string? text, int maxLength)
    {
        if (text is null)
        {
            return null;
        }

        if (IsStorable(text, maxLength))
        {
            // The common case (ids, names, roles, user agents) needs no copy.
            return text;
        }

        var length = Math.Min(text.Length, maxLength);
        if (length < text.Length && length > 0 && char.IsHighSurrogate(text[length - 1]))
        {
            length--;
        }

        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else if (char.IsControl(c) || char.IsSurrogate(c))
            {
                builder.Append(Replacement);
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Whether <see cref="Clip"/> would return <paramref name="text"/> itself.</summary>
    public static bool IsStorable(string text, int maxLength) => text.Length <= maxLength && IsClean(text);

    private static bool IsClean(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }
}
