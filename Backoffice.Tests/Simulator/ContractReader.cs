using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Backoffice.Simulator.Traffic;

namespace Backoffice.Tests.Simulator;

/// <summary>
/// A deliberately small reading of the event contract (§2), written from the spec for these tests:
/// it checks that the simulator's bytes say what its facts claim, and that each malformed message has
/// the one defect its error code names. It handles the shapes the simulator writes, not every
/// hostile input (that is the normaliser's job and its own tests').
/// </summary>
internal static partial class ContractReader
{
    private static readonly Dictionary<string, string[]> LedgerAliases = new()
    {
        ["tx_id"] = ["txId", "transaction_id", "transactionId"],
        ["wallet_id"] = ["walletId", "account_id", "accountId"],
        ["entry_type"] = ["entryType", "direction", "side"],
        ["amount"] = ["amt"],
        ["currency"] = ["currency_code", "currencyCode"],
        ["related_id"] = ["relatedId", "order_id", "orderId", "payment_order_id", "paymentOrderId"],
        ["related_type"] = ["relatedType"],
        ["status"] = ["state"],
        ["occurred_at"] = ["occurredAt", "created_at", "createdAt", "event_time"],
        ["updated_at"] = ["updatedAt", "modified_at", "modifiedAt"],
        ["source_version"] = ["sourceVersion", "version", "seq", "sequence"],
        ["event_id"] = ["eventId", "message_id", "messageId"],
        ["event_type"] = ["eventType"],
    };

    private static readonly Dictionary<string, string[]> OrderAliases = new()
    {
        ["order_id"] = ["orderId", "payment_order_id", "paymentOrderId"],
        ["status"] = ["state", "order_status", "orderStatus"],
        ["amount"] = ["amt"],
        ["currency"] = ["currency_code", "currencyCode"],
        ["payer_wallet_id"] = ["payerWalletId", "from_wallet_id", "fromWalletId"],
        ["payee_wallet_id"] = ["payeeWalletId", "to_wallet_id", "toWalletId"],
        ["created_at"] = ["createdAt"],
        ["updated_at"] = ["updatedAt", "modified_at", "modifiedAt"],
        ["source_version"] = ["sourceVersion", "version", "seq", "sequence"],
        ["event_id"] = ["eventId", "message_id", "messageId"],
        ["event_type"] = ["eventType"],
    };

    private static readonly Dictionary<string, string> LedgerLookup = Lookup(LedgerAliases);
    private static readonly Dictionary<string, string> OrderLookup = Lookup(OrderAliases);

    public sealed record Result(string? ErrorCode, LedgerFact? Ledger, PaymentOrderFact? PaymentOrder, IReadOnlyList<string> NamesUsed, bool Debezium);

    public static Result Read(StreamKind stream, byte[] value)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(value);
        }
        catch (JsonException)
        {
            return Error("INVALID_JSON");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Error("NOT_AN_OBJECT");
            }

            var row = root;
            var debezium = false;
            var envelope = IsEnvelope(root) ? root
                : root.TryGetProperty("schema", out _) && root.TryGetProperty("payload", out var payload) && IsEnvelope(payload) ? payload
                : (JsonElement?)null;
            if (envelope is { } e)
            {
                debezium = true;
                var op = e.GetProperty("op").GetString();
                if (op is not ("c" or "u" or "r"))
                {
                    return Error("UNSUPPORTED_OPERATION");
                }

                row = e.GetProperty("after");
            }

            var lookup = stream == StreamKind.Ledger ? LedgerLookup : OrderLookup;
            var fields = new Dictionary<string, JsonElement>();
            var names = new List<string>();
            foreach (var property in row.EnumerateObject())
            {
                if (!lookup.TryGetValue(Normalise(property.Name), out var field))
                {
                    continue;
                }

                names.Add(property.Name);
                if (fields.TryGetValue(field, out var earlier) && earlier.GetRawText() != property.Value.GetRawText())
                {
                    return Error("ALIAS_CONFLICT");
                }

                fields[field] = property.Value;
            }

            if (Text(fields, "event_type") == "PaymentLedgerPaired")
            {
                return Error("UNSUPPORTED_EVENT_TYPE");
            }

            string[] core = stream == StreamKind.Ledger ? ["tx_id", "wallet_id", "entry_type", "amount"] : ["order_id", "status"];
            if (core.Any(f => Text(fields, f) is null && !(fields.TryGetValue(f, out var v) && v.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))))
            {
                return Error("CORE_REQUIRED_MISSING");
            }

            try
            {
                return stream == StreamKind.Ledger
                    ? new Result(null, ReadLedger(fields), null, names, debezium)
                    : new Result(null, null, ReadOrder(fields), names, debezium);
            }
            catch (FormatException)
            {
                return Error("INVALID_FIELD");
            }
        }
    }

    private static LedgerFact ReadLedger(Dictionary<string, JsonElement> f)
    {
        var entryType = Text(f, "entry_type")!.ToUpperInvariant() switch
        {
            "PAYMENT" or "DEBIT" => "PAYMENT",
            "RECEIVE" or "CREDIT" => "RECEIVE",
            _ => throw new FormatException("entry_type"),
        };
        return new LedgerFact(
            Id(f, "tx_id")!, Id(f, "wallet_id")!, entryType, Amount(f)!.Value, Currency(f), Id(f, "related_id"),
            Text(f, "related_type"), Text(f, "status"), Time(f, "occurred_at"), Time(f, "updated_at"), Version(f),
            Text(f, "event_id"), Text(f, "event_type"));
    }

    private static PaymentOrderFact ReadOrder(Dictionary<string, JsonElement> f) => new(
        Id(f, "order_id")!, Text(f, "status")!, Amount(f), Currency(f), Id(f, "payer_wallet_id"), Id(f, "payee_wallet_id"),
        Time(f, "created_at"), Time(f, "updated_at"), Version(f), Text(f, "event_id"), Text(f, "event_type"));

    private static bool IsEnvelope(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty("op", out var op) && op.ValueKind == JsonValueKind.String
        && (element.TryGetProperty("after", out _) || element.TryGetProperty("before", out _));

    private static string? Text(Dictionary<string, JsonElement> f, string field) =>
        f.TryGetValue(field, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Trim() is { Length: > 0 } text ? text : null;

    private static string? Id(Dictionary<string, JsonElement> f, string field) =>
        Text(f, field) is { } id ? (id.Length <= 128 ? id : throw new FormatException(field)) : null;

    private static decimal? Amount(Dictionary<string, JsonElement> f)
    {
        if (!f.TryGetValue("amount", out var v))
        {
            return null;
        }

        var text = v.ValueKind switch
        {
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.String => v.GetString()!.Trim(),
            _ => throw new FormatException("amount"),
        };
        return AmountPattern().IsMatch(text) ? decimal.Parse(text, CultureInfo.InvariantCulture) : throw new FormatException("amount");
    }

    private static string? Currency(Dictionary<string, JsonElement> f) =>
        Text(f, "currency") is { } c ? (CurrencyPattern().IsMatch(c) ? c.ToUpperInvariant() : throw new FormatException("currency")) : null;

    private static long? Version(Dictionary<string, JsonElement> f) =>
        !f.TryGetValue("source_version", out var v) ? null
        : v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) && n >= 0 ? n
        : throw new FormatException("source_version");

    private static DateTimeOffset? Time(Dictionary<string, JsonElement> f, string field)
    {
        if (!f.TryGetValue(field, out var v))
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(v.GetInt64());
        }

        var text = v.GetString()!.Trim();
        return OffsetPattern().IsMatch(text)
            ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture).ToUniversalTime()
            : throw new FormatException(field);
    }

    private static Result Error(string code) => new(code, null, null, [], false);

    private static string Normalise(string name) => name.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToUpperInvariant();

    private static Dictionary<string, string> Lookup(Dictionary<string, string[]> aliases) =>
        aliases.SelectMany(a => a.Value.Prepend(a.Key).Select(name => (Name: Normalise(name), Field: a.Key))).Distinct()
            .ToDictionary(x => x.Name, x => x.Field);

    [GeneratedRegex(@"^\d{1,18}(\.\d{1,8})?$")]
    private static partial Regex AmountPattern();

    [GeneratedRegex("^[A-Za-z]{3}$")]
    private static partial Regex CurrencyPattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex OffsetPattern();
}
