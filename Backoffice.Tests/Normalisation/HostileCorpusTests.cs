using System.Text;
using Backoffice.SyncConsumer.Normalisation;
using static Backoffice.Tests.Normalisation.NormalisationKit;

namespace Backoffice.Tests.Normalisation;

/// <summary>
/// The hostile corpus (<c>hostile-messages.json</c>, issue 7): every malformed or adversarial message gets
/// exactly its expected result, and the normaliser never throws.
/// </summary>
public sealed class HostileCorpusTests
{
    public static TheoryData<string> CaseNames() => new(HostileCorpus.Cases.Keys);

    [Fact]
    public void The_corpus_holds_at_least_50_malformed_messages_covering_every_normaliser_error_code()
    {
        var rejected = HostileCorpus.Cases.Values.Where(c => !c.IsAccepted).ToList();

        Assert.True(rejected.Count >= 50, $"Only {rejected.Count} malformed messages.");
        Assert.Equal(
            ["ALIAS_CONFLICT", "CORE_REQUIRED_MISSING", "INVALID_FIELD", "INVALID_JSON", "NOT_AN_OBJECT", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_EVENT_TYPE", "UNSUPPORTED_OPERATION"],
            rejected.Select(c => c.Expect).Distinct().Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Each_hostile_message_gets_exactly_its_expected_result(string name)
    {
        var corpusCase = HostileCorpus.Cases[name];

        var result = Normalizer.Normalise(Message(corpusCase.Stream, corpusCase.Value));

        switch (corpusCase.Expect)
        {
            case "SKIPPED":
                Assert.IsType<NormalisationResult.Skipped>(result);
                break;
            case "LEDGER":
                var ledger = Assert.IsType<NormalisationResult.Ledger>(result);
                Assert.Equal(RawText(corpusCase.Value!), ledger.Event.RawPayload.ToString());
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
}
