using System.Text;
using System.Text.Json;
using Backoffice.SyncConsumer.Normalisation;
using static Backoffice.Tests.Normalisation.NormalisationKit;

namespace Backoffice.Tests.Normalisation;

/// <summary>
/// The hostile corpus (<c>hostile-messages.json</c>, issue 7): every malformed or adversarial message gets
/// exactly its expected result, and the normaliser never throws.
/// </summary>
public sealed class HostileCorpusTests
{
    private static readonly Lazy<IReadOnlyDictionary<string, CorpusCase>> Corpus = new(Load);

    public static TheoryData<string> CaseNames() => new(Corpus.Value.Keys);

    [Fact]
    public void The_corpus_holds_at_least_50_malformed_messages_covering_every_normaliser_error_code()
    {
        var rejected = Corpus.Value.Values.Where(c => c.Expect is not ("LEDGER" or "PAYMENT_ORDER" or "SKIPPED")).ToList();

        Assert.True(rejected.Count >= 50, $"Only {rejected.Count} malformed messages.");
        Assert.Equal(
            ["ALIAS_CONFLICT", "CORE_REQUIRED_MISSING", "INVALID_FIELD", "INVALID_JSON", "NOT_AN_OBJECT", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_EVENT_TYPE", "UNSUPPORTED_OPERATION"],
            rejected.Select(c => c.Expect).Distinct().Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Each_hostile_message_gets_exactly_its_expected_result(string name)
    {
        var corpusCase = Corpus.Value[name];

        var result = Normalizer.Normalise(Message(corpusCase.Stream, corpusCase.Value));

        switch (corpusCase.Expect)
        {
            case "SKIPPED":
                Assert.IsType<NormalisationResult.Skipped>(result);
                break;
            case "LEDGER":
                var ledger = Assert.IsType<NormalisationResult.Ledger>(result);
                Assert.Equal(RawText(corpusCase.Value!), ledger.Event.RawPayload);
                break;
            case "PAYMENT_ORDER":
                Assert.IsType<NormalisationResult.PaymentOrder>(result);
                break;
            default:
                AssertRejected(result, corpusCase.Expect);
                break;
        }
    }

    private static string RawText(byte[] value) =>
        Encoding.UTF8.GetString(value.AsSpan().StartsWith("\uFEFF"u8) ? value.AsSpan(3) : value);

    private static Dictionary<string, CorpusCase> Load()
    {
        using var resource = typeof(HostileCorpusTests).Assembly.GetManifestResourceStream("Backoffice.Tests.Normalisation.hostile-messages.json")
            ?? throw new InvalidOperationException("The hostile corpus is not embedded.");
        using var document = JsonDocument.Parse(resource);
        var cases = new Dictionary<string, CorpusCase>(StringComparer.Ordinal);
        foreach (var item in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            var name = item.GetProperty("name").GetString()!;
            var streamKind = item.TryGetProperty("stream", out var s) && s.GetString() == "payment_order" ? StreamKind.PaymentOrder : StreamKind.Ledger;
            cases.Add(name, new CorpusCase(streamKind, ValueOf(item), item.GetProperty("expect").GetString()!));
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

    private sealed record CorpusCase(StreamKind Stream, byte[]? Value, string Expect);
}
