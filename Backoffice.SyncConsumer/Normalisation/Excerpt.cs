using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Backoffice.SyncConsumer.Normalisation;

/// <summary>
/// Short, printable quotes of producer data for error messages. The messages are stored in a <c>text</c>
/// column and logged, so control characters (PostgreSQL rejects U+0000 in text) and unpaired surrogates
/// (Npgsql's strict UTF-8 encoder throws on them) are written as <c>\uXXXX</c> escapes.
/// </summary>
internal static class Excerpt
{
    public const int MaxChars = 100;

    /// <summary>A string as a quoted JSON-like literal, cut after <see cref="MaxChars"/> characters.</summary>
    public static string Quote(ReadOnlySpan<char> text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxChars) + 8);
        builder.Append('"');
        AppendEscaped(builder, text, quoteEscapes: true, MaxChars);
        builder.Append('"');
        return builder.ToString();
    }

    /// <summary>Text (e.g. a parser message or raw JSON token) made printable and cut after <paramref name="maxChars"/> characters.</summary>
    public static string Clip(ReadOnlySpan<char> text, int maxChars = MaxChars)
    {
        var builder = new StringBuilder(Math.Min(text.Length, maxChars) + 8);
        AppendEscaped(builder, text, quoteEscapes: false, maxChars);
        return builder.ToString();
    }

    /// <summary>The raw JSON text of a value (already valid UTF-8: the whole message was validated), clipped.</summary>
    public static string Raw(JsonElement value)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        // 4 bytes per character at most: the decoded slice still exceeds MaxChars when the value does, so Clip marks the cut.
        var slice = raw.Length > MaxChars * 4 ? raw[..(MaxChars * 4)] : raw;
        return Clip(Encoding.UTF8.GetString(slice));
    }

    /// <summary>What a value is, for "expected …, found …" messages about a wrong JSON type.</summary>
    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True => "the boolean true",
        JsonValueKind.False => "the boolean false",
        JsonValueKind.Null => "null",
        JsonValueKind.Number => "the number " + Raw(value),
        JsonValueKind.String => "the string " + Raw(value),
        _ => value.ValueKind.ToString(),
    };

    private static void AppendEscaped(StringBuilder builder, ReadOnlySpan<char> text, bool quoteEscapes, int maxChars)
    {
        var limit = Math.Min(text.Length, maxChars);
        for (var i = 0; i < limit; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (i + 1 >= limit)
                {
                    // Never split a pair at the cut.
                    limit = i;
                    break;
                }

                builder.Append(c).Append(text[i + 1]);
                i++;
            }
            else if (char.IsControl(c) || char.IsSurrogate(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else if (quoteEscapes && c is '"' or '\\')
            {
                builder.Append('\\').Append(c);
            }
            else
            {
                builder.Append(c);
            }
        }

        if (limit < text.Length)
        {
            builder.Append('…');
        }
    }
}
