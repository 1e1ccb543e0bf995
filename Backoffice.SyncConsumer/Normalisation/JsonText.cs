using System.Runtime.InteropServices;
using System.Text.Json;

namespace Backoffice.SyncConsumer.Normalisation;

/// <summary>
/// Comparisons of JSON names and strings that never throw. System.Text.Json accepts an escaped unpaired
/// surrogate (<c>"\ud800"</c>) when parsing but throws when such a text is unescaped or compared, and
/// hostile messages carry them.
/// </summary>
internal static class JsonText
{
    public static bool NameIs(JsonProperty property, ReadOnlySpan<byte> name)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (!raw.Contains((byte)'\\'))
        {
            return raw.SequenceEqual(name);
        }

        try
        {
            return property.NameEquals(name);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public static bool StringIs(JsonElement value, ReadOnlySpan<byte> text)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        var raw = JsonMarshal.GetRawUtf8Value(value)[1..^1];
        if (!raw.Contains((byte)'\\'))
        {
            return raw.SequenceEqual(text);
        }

        try
        {
            return value.ValueEquals(text);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
