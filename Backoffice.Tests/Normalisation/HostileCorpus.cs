using System.Text;
using System.Text.Json;
using Backoffice.SyncConsumer.Normalisation;

namespace Backoffice.Tests.Normalisation;

/// <summary>One message of <c>hostile-messages.json</c>: its stream, exact value (null: a tombstone) and expected result.</summary>
internal sealed record HostileCase(string Name, StreamKind Stream, byte[]? Value, string Expect)
{
    /// <summary>Messages the normaliser accepts: a stored row or a skip, never a DLQ row of its own making.</summary>
    public bool IsAccepted => Expect is "LEDGER" or "PAYMENT_ORDER" or "SKIPPED";
}

/// <summary>
/// The hostile corpus (issue 7), read once from the embedded <c>hostile-messages.json</c>: used by the
/// normaliser's unit tests and, through Kafka and the running consumer, by the reliability suite.
/// </summary>
internal static class HostileCorpus
{
    private static readonly Lazy<IReadOnlyDictionary<string, HostileCase>> Corpus = new(Load);

    public static IReadOnlyDictionary<string, HostileCase> Cases => Corpus.Value;

    private static Dictionary<string, HostileCase> Load()
    {
        using var resource = typeof(HostileCorpus).Assembly.GetManifestResourceStream("Backoffice.Tests.Normalisation.hostile-messages.json")
            ?? throw new InvalidOperationException("The hostile corpus is not embedded.");
        using var document = JsonDocument.Parse(resource);
        var cases = new Dictionary<string, HostileCase>(StringComparer.Ordinal);
        foreach (var item in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            var name = item.GetProperty("name").GetString()!;
            var streamKind = item.TryGetProperty("stream", out var s) && s.GetString() == "payment_order" ? StreamKind.PaymentOrder : StreamKind.Ledger;
            cases.Add(name, new HostileCase(name, streamKind, ValueOf(item), item.GetProperty("expect").GetString()!));
        }

        return cases;
    }

    private static byte[]? ValueOf(JsonElement item)
    {
        if (item.TryGetProperty("tombstone", out _))
        {
            return null;
        }

        if (item.TryGetProperty("json", out var json))
        {
            // The exact source text: duplicate keys, escapes and number spellings survive.
            return Encoding.UTF8.GetBytes(json.GetRawText());
        }

        if (item.TryGetProperty("text", out var text))
        {
            return Encoding.UTF8.GetBytes(text.GetString()!);
        }

        if (item.TryGetProperty("base64", out var base64))
        {
            return base64.GetBytesFromBase64();
        }

        var builder = new StringBuilder();
        foreach (var part in item.GetProperty("parts").EnumerateArray())
        {
            if (part.TryGetProperty("text", out var partText))
            {
                builder.Append(partText.GetString());
            }
            else
            {
                builder.Insert(builder.Length, part.GetProperty("repeat").GetString(), part.GetProperty("count").GetInt32());
            }
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}
