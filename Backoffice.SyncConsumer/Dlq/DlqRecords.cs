using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Backoffice.Data.Dlq;
using Backoffice.Data.Sync;
using Backoffice.SyncConsumer.Normalisation;

namespace Backoffice.SyncConsumer.Dlq;

/// <summary>Turns a message that cannot be stored into a DLQ row (§6), keeping everything needed to replay it.</summary>
public static class DlqRecords
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The value is kept up to <see cref="DlqLimits.MaxStoredPayloadBytes"/>; <c>payload_size</c> and
    /// <c>payload_sha256</c> always describe the whole value, so a truncated row still identifies it.
    /// </summary>
    public static DlqUpsertRow Create(InboundMessage message, string errorCode, string errorStage, string errorMessage, bool includeHeaders = true)
    {
        var value = message.Value;
        var stored = value is { Length: > DlqLimits.MaxStoredPayloadBytes } ? value[..DlqLimits.MaxStoredPayloadBytes] : value;
        return new DlqUpsertRow(
            new SourcePosition(message.Topic, message.Partition, message.Offset),
            message.Key,
            stored,
            value?.Length ?? 0,
            value is null ? null : SHA256.HashData(value),
            includeHeaders ? HeadersJson(message.Headers) : null,
            StreamLabels.Of(message.Stream),
            errorCode,
            errorStage,
            TextSafe(errorMessage));
    }

    /// <summary>
    /// Headers as a JSON object: a UTF-8 value is a string, any other value (or one holding U+0000,
    /// which jsonb cannot store) is <c>{"base64": "…"}</c>; a repeated header name maps to an array of values.
    /// </summary>
    public static string? HeadersJson(IReadOnlyList<KeyValuePair<string, byte[]>> headers)
    {
        if (headers.Count == 0)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var group in headers.GroupBy(h => TextSafe(h.Key), StringComparer.Ordinal))
            {
                json.WritePropertyName(group.Key);
                var values = group.Select(h => h.Value).ToList();
                if (values.Count > 1)
                {
                    json.WriteStartArray();
                }

                foreach (var value in values)
                {
                    WriteHeaderValue(json, value);
                }

                if (values.Count > 1)
                {
                    json.WriteEndArray();
                }
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>PostgreSQL text cannot hold U+0000.</summary>
    public static string TextSafe(string text) => text.Contains('\0', StringComparison.Ordinal) ? text.Replace("\0", "\\u0000", StringComparison.Ordinal) : text;

    private static void WriteHeaderValue(Utf8JsonWriter json, byte[] value)
    {
        string? text;
        try
        {
            text = StrictUtf8.GetString(value);
        }
        catch (DecoderFallbackException)
        {
            text = null;
        }

        if (text is not null && !text.Contains('\0', StringComparison.Ordinal))
        {
            json.WriteStringValue(text);
        }
        else
        {
            json.WriteStartObject();
            json.WriteBase64String("base64", value);
            json.WriteEndObject();
        }
    }
}

/// <summary>Metric label and DLQ <c>stream</c> values of the logical streams.</summary>
public static class StreamLabels
{
    public static string Of(StreamKind stream) => stream switch
    {
        StreamKind.Ledger => Kafka.Profiles.KafkaStreams.Ledger,
        StreamKind.PaymentOrder => Kafka.Profiles.KafkaStreams.PaymentOrder,
        _ => throw new ArgumentOutOfRangeException(nameof(stream), stream, null),
    };
}
