using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Backoffice.Simulator.Traffic;

namespace Backoffice.Simulator.Oracle;

/// <summary>What produced an oracle: the generator options and, when the messages were produced, the topics.</summary>
public sealed record OracleRun(TrafficOptions Generator, IReadOnlyDictionary<string, string>? Topics, bool Produced);

/// <summary>The <c>oracle.json</c> document: snake_case, amounts as strings (exact decimals), timestamps RFC 3339.</summary>
public sealed record OracleDocument(
    string Format,
    OracleRun Run,
    ExpectedCounts Counts,
    IReadOnlyList<ExpectedLedgerEntry> LedgerEntries,
    IReadOnlyList<ExpectedPaymentOrder> PaymentOrders,
    IReadOnlyList<ExpectedPair> Pairs,
    IReadOnlyList<ExpectedDlqRow> Dlq,
    IReadOnlyList<ExpectedSkip> Skipped)
{
    public const string CurrentFormat = "backoffice-simulator-oracle/1";

    public ExpectedState ToExpectedState() => new(Counts, LedgerEntries, PaymentOrders, Pairs, Dlq, Skipped);
}

/// <summary>Writes and reads <c>oracle.json</c>. Streams, so a million-event oracle does not need a second copy in memory.</summary>
public static class OracleFile
{
    public static JsonSerializerOptions SerializerOptions { get; } = new(JsonSerializerDefaults.General)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = false,
        Converters = { new DecimalAsStringConverter(), new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static async Task WriteAsync(string path, ExpectedState state, OracleRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        await using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await WriteAsync(stream, state, run, cancellationToken);
    }

    public static Task WriteAsync(Stream stream, ExpectedState state, OracleRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var document = new OracleDocument(OracleDocument.CurrentFormat, run, state.Counts,
            state.LedgerEntries, state.PaymentOrders, state.Pairs, state.Dlq, state.Skipped);
        return JsonSerializer.SerializeAsync(stream, document, SerializerOptions, cancellationToken);
    }

    public static async Task<OracleDocument> ReadAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var document = await JsonSerializer.DeserializeAsync<OracleDocument>(stream, SerializerOptions, cancellationToken)
            ?? throw new InvalidDataException($"{path} is empty.");
        return document.Format == OracleDocument.CurrentFormat
            ? document
            : throw new InvalidDataException($"{path} has format '{document.Format}', expected '{OracleDocument.CurrentFormat}'.");
    }

    /// <summary>Amounts are exact decimals: strings in the file, as in the API (numbers are accepted when reading).</summary>
    private sealed class DecimalAsStringConverter : JsonConverter<decimal>
    {
        public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String
                ? decimal.Parse(reader.GetString()!, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
                : reader.GetDecimal();

        public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
    }
}
