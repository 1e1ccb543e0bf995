using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Backoffice.Data.Ledger;

namespace Backoffice.SyncConsumer.Normalisation;

/// <summary>
/// Reads one field value by its <see cref="FieldKind"/> (spec §2.1–§2.3). Never throws: every bad value
/// becomes <see cref="FieldValue.Invalid"/> with an "expected …, found …" text.
/// </summary>
internal static class FieldReader
{
    public const int MaxTextLength = 128;
    public const int MaxAmountIntegerDigits = 18;
    public const int MaxAmountFractionDigits = 8;

    /// <summary>Largest epoch milliseconds that is still a <see cref="DateTimeOffset"/> (9999-12-31T23:59:59.999Z).</summary>
    public const long MaxEpochMilliseconds = (3155378975999999999 - 621355968000000000) / TimeSpan.TicksPerMillisecond;

    // Long enough for every valid number or timestamp token; a longer token takes the allocating path.
    private const int ScratchLength = 64;

    private const string TextExpected = "a string of 1–128 characters without control characters";
    private const string WordExpected = "an upper-case word of letters, digits and '_' (at most 128 characters)";
    private const string EntryTypeExpected = "PAYMENT or RECEIVE (any case; DEBIT and CREDIT are accepted)";
    private const string CurrencyExpected = "a three-letter ISO 4217 currency code";
    private const string AmountExpected =
        "a decimal ≥ 0 with at most 18 integer and 8 fraction digits, as a JSON number or string without exponent";
    private const string VersionExpected = "an integer from 0 to 9223372036854775807 (a JSON integer or a digit string)";
    private const string TimestampExpected =
        "an RFC 3339 timestamp with an offset (Z or ±hh:mm) or integer epoch milliseconds";
    private const string Rfc3339Form = "yyyy-MM-ddTHH:mm:ss[.fffffffff] followed by Z or ±hh:mm";

    private static readonly SearchValues<char> ControlChars = SearchValues.Create(
        Enumerable.Range(0, 0x10000).Where(c => char.IsControl((char)c)).Select(c => (char)c).ToArray());

    private static readonly SearchValues<char> WordChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

    private enum IntegerStatus
    {
        Ok,
        NotAnInteger,
        Negative,
        TooLarge,
    }

    public static FieldValue Read(FieldKind kind, JsonElement value) => kind switch
    {
        FieldKind.Id or FieldKind.Text => ReadText(value),
        FieldKind.Word => ReadWord(value),
        FieldKind.EntryType => ReadEntryType(value),
        FieldKind.Currency => ReadCurrency(value),
        FieldKind.Amount => ReadAmount(value),
        FieldKind.Version => ReadVersion(value),
        FieldKind.Timestamp => ReadTimestamp(value),
        _ => throw new UnreachableException($"Field kind {kind} has no reader."),
    };

    private static FieldValue ReadText(JsonElement value)
    {
        if (!TryReadString(value, TextExpected, out var text, out var outcome))
        {
            return outcome;
        }

        var length = text.Length <= MaxTextLength ? text.Length : CountCodePoints(text);
        if (length > MaxTextLength)
        {
            return Invalid(TextExpected, $"a string of {length} characters: {Excerpt.Quote(text)}");
        }

        var control = text.AsSpan().IndexOfAny(ControlChars);
        return control >= 0
            ? Invalid(TextExpected, $"{Excerpt.Quote(text)} with the control character U+{(int)text[control]:X4} at position {control + 1}")
            : FieldValue.OfText(text);
    }

    private static FieldValue ReadWord(JsonElement value)
    {
        if (!TryReadString(value, WordExpected, out var text, out var outcome))
        {
            return outcome;
        }

        if (text.Length > MaxTextLength || text.AsSpan().ContainsAnyExcept(WordChars))
        {
            return Invalid(WordExpected, Excerpt.Quote(text));
        }

        return FieldValue.OfText(text.AsSpan().ContainsAnyInRange('a', 'z') ? text.ToUpperInvariant() : text);
    }

    private static FieldValue ReadEntryType(JsonElement value)
    {
        if (!TryReadString(value, EntryTypeExpected, out var text, out var outcome))
        {
            return outcome;
        }

        if (text.Equals(EntryTypes.Payment, StringComparison.OrdinalIgnoreCase) || text.Equals("DEBIT", StringComparison.OrdinalIgnoreCase))
        {
            return FieldValue.OfText(EntryTypes.Payment);
        }

        if (text.Equals(EntryTypes.Receive, StringComparison.OrdinalIgnoreCase) || text.Equals("CREDIT", StringComparison.OrdinalIgnoreCase))
        {
            return FieldValue.OfText(EntryTypes.Receive);
        }

        return Invalid(EntryTypeExpected, Excerpt.Quote(text));
    }

    private static FieldValue ReadCurrency(JsonElement value)
    {
        if (!TryReadString(value, CurrencyExpected, out var text, out var outcome))
        {
            return outcome;
        }

        if (text.Length != 3 || !char.IsAsciiLetter(text[0]) || !char.IsAsciiLetter(text[1]) || !char.IsAsciiLetter(text[2]))
        {
            return Invalid(CurrencyExpected, Excerpt.Quote(text));
        }

        return FieldValue.OfText(text.AsSpan().ContainsAnyInRange('a', 'z') ? text.ToUpperInvariant() : text);
    }

    private static FieldValue ReadAmount(JsonElement value)
    {
        Span<char> scratch = stackalloc char[ScratchLength];
        if (!TryReadToken(value, AmountExpected, scratch, out var token, out var outcome))
        {
            return outcome;
        }

        var quoted = value.ValueKind == JsonValueKind.String;
        var negative = token[0] == '-';
        var i = negative ? 1 : 0;
        var integerStart = i;
        while (i < token.Length && char.IsAsciiDigit(token[i]))
        {
            i++;
        }

        var integerPart = token[integerStart..i];
        scoped ReadOnlySpan<char> fractionPart = default;
        if (integerPart.IsEmpty)
        {
            return Invalid(AmountExpected, Found(token, quoted));
        }

        if (i < token.Length && token[i] == '.')
        {
            var fractionStart = ++i;
            while (i < token.Length && char.IsAsciiDigit(token[i]))
            {
                i++;
            }

            fractionPart = token[fractionStart..i];
            if (fractionPart.IsEmpty)
            {
                return Invalid(AmountExpected, Found(token, quoted));
            }
        }

        if (i < token.Length)
        {
            return Invalid(AmountExpected, token[i] is 'e' or 'E' ? $"{Found(token, quoted)} in exponent notation" : Found(token, quoted));
        }

        // Leading zeros of the integer part and trailing zeros of the fraction do not change the value,
        // so they do not count towards the numeric(26,8) limits.
        var significantInteger = integerPart.TrimStart('0');
        var significantFraction = fractionPart.TrimEnd('0');
        if (significantInteger.Length > MaxAmountIntegerDigits)
        {
            return Invalid(AmountExpected, $"{Found(token, quoted)}, which has {significantInteger.Length} integer digits");
        }

        if (significantFraction.Length > MaxAmountFractionDigits)
        {
            return Invalid(AmountExpected, $"{Found(token, quoted)}, which has {significantFraction.Length} fraction digits");
        }

        UInt128 mantissa = 0;
        foreach (var c in significantInteger)
        {
            mantissa = (mantissa * 10) + (uint)(c - '0');
        }

        foreach (var c in significantFraction)
        {
            mantissa = (mantissa * 10) + (uint)(c - '0');
        }

        if (negative && mantissa != 0)
        {
            return FieldValue.Invalid(
                $"expected a decimal ≥ 0, found {Found(token, quoted)}: amounts are never negative, the direction comes from entry_type");
        }

        // At most 26 digits: always fits the 96-bit decimal mantissa, exactly.
        return FieldValue.OfNumber(new decimal(
            (int)(uint)mantissa, (int)(uint)(mantissa >> 32), (int)(uint)(mantissa >> 64), isNegative: false, (byte)significantFraction.Length));
    }

    private static FieldValue ReadVersion(JsonElement value)
    {
        Span<char> scratch = stackalloc char[ScratchLength];
        if (!TryReadToken(value, VersionExpected, scratch, out var token, out var outcome))
        {
            return outcome;
        }

        var quoted = value.ValueKind == JsonValueKind.String;
        return ParseNonNegativeInteger(token, out var version) switch
        {
            IntegerStatus.Ok => FieldValue.OfInteger(version),
            IntegerStatus.Negative => Invalid(VersionExpected, $"{Found(token, quoted)}, which is negative"),
            IntegerStatus.TooLarge => Invalid(VersionExpected, $"{Found(token, quoted)}, which is too large"),
            _ => Invalid(VersionExpected, Found(token, quoted)),
        };
    }

    private static FieldValue ReadTimestamp(JsonElement value)
    {
        Span<char> scratch = stackalloc char[ScratchLength];
        if (!TryReadToken(value, TimestampExpected, scratch, out var token, out var outcome))
        {
            return outcome;
        }

        var quoted = value.ValueKind == JsonValueKind.String;
        var digits = token[0] == '-' ? token[1..] : token;
        if (!quoted || (!digits.IsEmpty && !digits.ContainsAnyExceptInRange('0', '9')))
        {
            return ParseNonNegativeInteger(token, out var milliseconds) switch
            {
                IntegerStatus.Ok when milliseconds <= MaxEpochMilliseconds =>
                    FieldValue.OfTime(DateTimeOffset.UnixEpoch.AddTicks(milliseconds * TimeSpan.TicksPerMillisecond)),
                IntegerStatus.Ok or IntegerStatus.TooLarge =>
                    Invalid(TimestampExpected, $"{Found(token, quoted)} epoch milliseconds, which is after 9999-12-31T23:59:59.999999Z"),
                IntegerStatus.Negative =>
                    Invalid(TimestampExpected, $"{Found(token, quoted)} epoch milliseconds, which is before 1970-01-01T00:00:00Z"),
                _ => Invalid(TimestampExpected, $"{Found(token, quoted)}, which is not a whole number of epoch milliseconds"),
            };
        }

        var problem = TryParseRfc3339(token, out var utcTicks);
        if (problem is not null)
        {
            return Invalid(TimestampExpected, $"{Found(token, quoted)}, {problem}");
        }

        // The lower bound keeps zero-value timestamps (0001-01-01, a common producer default) out of the
        // version order; Npgsql would also store DateTime.MinValue as -infinity.
        if (utcTicks < DateTimeOffset.UnixEpoch.Ticks)
        {
            return Invalid(TimestampExpected, $"{Found(token, quoted)}, which is before 1970-01-01T00:00:00Z");
        }

        if (utcTicks > DateTime.MaxValue.Ticks)
        {
            return Invalid(TimestampExpected, $"{Found(token, quoted)}, which is after 9999-12-31T23:59:59.999999Z");
        }

        return FieldValue.OfTime(new DateTimeOffset(utcTicks, TimeSpan.Zero));
    }

    /// <summary>
    /// RFC 3339 date-time (section 5.6; 'T' may be 't' or a space, 'Z' may be 'z'), fraction up to 9 digits
    /// truncated to microseconds. Returns null and the UTC ticks, or what is wrong ("which …").
    /// </summary>
    private static string? TryParseRfc3339(ReadOnlySpan<char> s, out long utcTicks)
    {
        utcTicks = 0;
        if (s.Length < 19
            || !TryDigits(s, 0, 4, out var year) || s[4] != '-'
            || !TryDigits(s, 5, 2, out var month) || s[7] != '-'
            || !TryDigits(s, 8, 2, out var day) || s[10] is not ('T' or 't' or ' ')
            || !TryDigits(s, 11, 2, out var hour) || s[13] != ':'
            || !TryDigits(s, 14, 2, out var minute) || s[16] != ':'
            || !TryDigits(s, 17, 2, out var second))
        {
            return $"which is not of the form {Rfc3339Form}";
        }

        var i = 19;
        long fractionTicks = 0;
        if (i < s.Length && s[i] == '.')
        {
            var start = ++i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            var fractionDigits = i - start;
            if (fractionDigits == 0)
            {
                return $"which is not of the form {Rfc3339Form}";
            }

            if (fractionDigits > 9)
            {
                return $"which has {fractionDigits} fraction digits (at most 9)";
            }

            // Truncated (not rounded) to microseconds, PostgreSQL's precision: the version order compares stored values.
            var microseconds = 0;
            for (var k = 0; k < 6; k++)
            {
                microseconds = (microseconds * 10) + (k < fractionDigits ? s[start + k] - '0' : 0);
            }

            fractionTicks = microseconds * 10L;
        }

        if (i == s.Length)
        {
            return "which has no offset (Z or ±hh:mm)";
        }

        int offsetMinutes;
        if (s[i] is 'Z' or 'z')
        {
            offsetMinutes = 0;
            i++;
        }
        else if (s[i] is '+' or '-')
        {
            if (s.Length - i != 6 || !TryDigits(s, i + 1, 2, out var offsetHours) || s[i + 3] != ':' || !TryDigits(s, i + 4, 2, out var offsetMinutesPart))
            {
                return $"which is not of the form {Rfc3339Form}";
            }

            if (offsetHours > 23 || offsetMinutesPart > 59)
            {
                return "which has an offset out of range";
            }

            offsetMinutes = ((offsetHours * 60) + offsetMinutesPart) * (s[i] == '-' ? -1 : 1);
            i += 6;
        }
        else
        {
            return $"which is not of the form {Rfc3339Form}";
        }

        if (i != s.Length)
        {
            return $"which is not of the form {Rfc3339Form}";
        }

        if (second == 60)
        {
            return "which is a leap second (not supported)";
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return "which is not a valid date and time";
        }

        var localTicks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).Ticks + fractionTicks;
        utcTicks = localTicks - (offsetMinutes * TimeSpan.TicksPerMinute);
        return null;
    }

    private static bool TryDigits(ReadOnlySpan<char> s, int start, int count, out int value)
    {
        value = 0;
        for (var k = start; k < start + count; k++)
        {
            if (!char.IsAsciiDigit(s[k]))
            {
                return false;
            }

            value = (value * 10) + (s[k] - '0');
        }

        return true;
    }

    /// <summary><c>-?[0-9]+</c> as an int64 ≥ 0; "-0" is zero; leading zeros are allowed (digit strings).</summary>
    private static IntegerStatus ParseNonNegativeInteger(ReadOnlySpan<char> token, out long value)
    {
        value = 0;
        var negative = token[0] == '-';
        var digits = negative ? token[1..] : token;
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9'))
        {
            return IntegerStatus.NotAnInteger;
        }

        digits = digits.TrimStart('0');
        if (digits.Length > 19)
        {
            return negative ? IntegerStatus.Negative : IntegerStatus.TooLarge;
        }

        ulong accumulated = 0;
        foreach (var c in digits)
        {
            accumulated = (accumulated * 10) + (uint)(c - '0');
        }

        if (negative && accumulated != 0)
        {
            return IntegerStatus.Negative;
        }

        if (accumulated > long.MaxValue)
        {
            return IntegerStatus.TooLarge;
        }

        value = (long)accumulated;
        return IntegerStatus.Ok;
    }

    /// <summary>A string value, trimmed; false with <paramref name="outcome"/> for null, empty, wrong type or bad escapes.</summary>
    private static bool TryReadString(JsonElement value, string expected, [NotNullWhen(true)] out string? text, out FieldValue outcome)
    {
        text = null;
        outcome = FieldValue.Absent;
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return false;
            case JsonValueKind.String:
                string raw;
                try
                {
                    raw = value.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    outcome = Invalid(expected, $"{Excerpt.Raw(value)}, which contains an unpaired surrogate escape");
                    return false;
                }

                var trimmed = raw.Trim();
                if (trimmed.Length == 0)
                {
                    return false;
                }

                text = trimmed;
                return true;
            default:
                outcome = Invalid(expected, Excerpt.Describe(value));
                return false;
        }
    }

    /// <summary>
    /// The text of a number, or of a string (trimmed), without allocating for ordinary values.
    /// False with <paramref name="outcome"/> for null, empty, wrong type or bad escapes.
    /// </summary>
    private static bool TryReadToken(JsonElement value, string expected, Span<char> scratch, out ReadOnlySpan<char> token, out FieldValue outcome)
    {
        token = default;
        outcome = FieldValue.Absent;
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return false;
            case JsonValueKind.Number:
                token = Widen(JsonMarshal.GetRawUtf8Value(value), scratch);
                return true;
            case JsonValueKind.String:
                var raw = JsonMarshal.GetRawUtf8Value(value)[1..^1];
                if (raw.Length <= scratch.Length && !raw.Contains((byte)'\\') && Ascii.IsValid(raw))
                {
                    token = Widen(raw, scratch);
                }
                else
                {
                    try
                    {
                        token = value.GetString().AsSpan();
                    }
                    catch (InvalidOperationException)
                    {
                        outcome = Invalid(expected, $"{Excerpt.Raw(value)}, which contains an unpaired surrogate escape");
                        return false;
                    }
                }

                token = token.Trim();
                return !token.IsEmpty;
            default:
                outcome = Invalid(expected, Excerpt.Describe(value));
                return false;
        }
    }

    private static ReadOnlySpan<char> Widen(ReadOnlySpan<byte> ascii, Span<char> scratch)
    {
        if (ascii.Length > scratch.Length)
        {
            return Encoding.ASCII.GetString(ascii);
        }

        Ascii.ToUtf16(ascii, scratch, out var written);
        return scratch[..written];
    }

    private static int CountCodePoints(string text)
    {
        var count = 0;
        foreach (var c in text)
        {
            if (!char.IsLowSurrogate(c))
            {
                count++;
            }
        }

        return count;
    }

    private static string Found(ReadOnlySpan<char> token, bool quoted) => quoted ? Excerpt.Quote(token) : Excerpt.Clip(token);

    private static FieldValue Invalid(string expected, string found) => FieldValue.Invalid($"expected {expected}, found {found}");
}
