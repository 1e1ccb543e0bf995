using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Backoffice.Api.Lookups;

/// <summary>RFC 3339 in and out: responses are UTC with <c>Z</c>; parameters must carry an offset.</summary>
public static class Timestamps
{
    // "O" of a UTC DateTime: yyyy-MM-ddTHH:mm:ss.fffffffZ (28 characters).
    private const int RoundTripLength = 28;
    private const int FractionStart = 20;

    /// <summary>
    /// <c>yyyy-MM-ddTHH:mm:ss[.ffffff]Z</c>: microsecond precision is all PostgreSQL stores (a
    /// seventh digit is cut, not rounded), trailing zeros are dropped, and the dot with them when
    /// the fraction is zero (the custom format <c>yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'</c>).
    /// </summary>
    public static string Format(DateTimeOffset value)
    {
        Span<char> buffer = stackalloc char[RoundTripLength];
        return new string(buffer[..FormatTo(value, buffer)]);
    }

    /// <summary>
    /// <see cref="Format"/> into <paramref name="destination"/> (at least 28 characters), returning
    /// the length written: the runtime's fast round-trip format, trimmed, instead of the slower custom
    /// format and a string per timestamp (a transaction response has up to eight).
    /// </summary>
    public static int FormatTo(DateTimeOffset value, Span<char> destination)
    {
        if (!value.UtcDateTime.TryFormat(destination, out var written, "O", CultureInfo.InvariantCulture)
            || written != RoundTripLength)
        {
            throw new ArgumentException($"Needs room for {RoundTripLength} characters.", nameof(destination));
        }

        var end = FractionStart + 6;
        while (end > FractionStart && destination[end - 1] == '0')
        {
            end--;
        }

        if (end == FractionStart)
        {
            end--;
        }

        destination[end] = 'Z';
        return end + 1;
    }

    /// <summary>
    /// Strict RFC 3339 date-time: <c>YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)</c>, <c>T</c>/<c>Z</c> in
    /// either case, fraction of 1–7 digits. No local times, no date-only values, no leap second.
    /// </summary>
    public static bool TryParseRfc3339(string? text, out DateTimeOffset value)
    {
        value = default;
        if (text is null || text.Length is < 20 or > 35 || !HasRfc3339Shape(text))
        {
            return false;
        }

        return DateTimeOffset.TryParse(
            text.ToUpperInvariant(), CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    private static bool HasRfc3339Shape(string text)
    {
        // YYYY-MM-DDTHH:MM:SS
        ReadOnlySpan<char> s = text;
        if (!(Digits(s[..4]) && s[4] == '-' && Digits(s[5..7]) && s[7] == '-' && Digits(s[8..10])
              && s[10] is 'T' or 't' && Digits(s[11..13]) && s[13] == ':' && Digits(s[14..16]) && s[16] == ':'
              && Digits(s[17..19])))
        {
            return false;
        }

        var rest = s[19..];
        if (rest[0] == '.')
        {
            var digits = 1;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                digits++;
            }

            if (digits is 1 or > 8)
            {
                return false;
            }

            rest = rest[digits..];
        }

        return rest is "Z" or "z"
               || (rest.Length == 6 && rest[0] is '+' or '-' && Digits(rest[1..3]) && rest[3] == ':' && Digits(rest[4..6]));
    }

    private static bool Digits(ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Writes every <see cref="DateTimeOffset"/> of a response as RFC 3339 UTC with <c>Z</c>.</summary>
public sealed class UtcTimestampJsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<char> buffer = stackalloc char[32];
        writer.WriteStringValue(buffer[..Timestamps.FormatTo(value, buffer)]);
    }
}
