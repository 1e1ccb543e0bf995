using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Backoffice.Data.Dlq;
using Backoffice.SyncConsumer.Dlq;
using Backoffice.SyncConsumer.Normalisation;

namespace Backoffice.Tests.Consumer;

public sealed class DlqRecordsTests
{
    [Fact]
    public void A_value_above_one_MiB_is_truncated_but_size_and_hash_describe_the_whole_value()
    {
        var value = RandomNumberGenerator.GetBytes(DlqLimits.MaxStoredPayloadBytes + 10);

        var row = DlqRecords.Create(Message(value), DlqErrorCodes.PayloadTooLarge, DlqErrorStages.Deserialize, "too large");

        Assert.Equal(DlqLimits.MaxStoredPayloadBytes, row.Payload!.Length);
        Assert.Equal(value.AsSpan(0, DlqLimits.MaxStoredPayloadBytes).ToArray(), row.Payload);
        Assert.Equal(value.Length, row.PayloadSize);
        Assert.Equal(SHA256.HashData(value), row.PayloadSha256);
    }

    [Fact]
    public void Headers_are_a_JSON_object_with_binary_values_in_base64_and_repeated_names_as_arrays()
    {
        byte[] binary = [0xff, 0xfe, 0x00];
        var json = DlqRecords.HeadersJson(
        [
            KeyValuePair.Create("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"u8.ToArray()),
            KeyValuePair.Create("bin", binary),
            KeyValuePair.Create("nul", "a\0b"u8.ToArray()),
            KeyValuePair.Create("dup", "1"u8.ToArray()),
            KeyValuePair.Create("dup", "2"u8.ToArray()),
        ]);

        using var document = JsonDocument.Parse(json!);
        var root = document.RootElement;
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", root.GetProperty("traceparent").GetString());
        Assert.Equal(binary, root.GetProperty("bin").GetProperty("base64").GetBytesFromBase64());
        Assert.Equal("a\0b"u8.ToArray(), root.GetProperty("nul").GetProperty("base64").GetBytesFromBase64());
        Assert.Equal(["1", "2"], root.GetProperty("dup").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void No_headers_is_null_and_error_messages_never_carry_NUL()
    {
        var row = DlqRecords.Create(Message("{}"u8.ToArray()), DlqErrorCodes.InvalidField, DlqErrorStages.Validate, "bad \0 value");

        Assert.Null(row.HeadersJson);
        Assert.DoesNotContain('\0', row.ErrorMessage);
        Assert.Equal("ledger", row.Stream);
        Assert.Equal(Encoding.UTF8.GetBytes("{}"), row.Payload);
    }

    private static InboundMessage Message(byte[] value) =>
        new(StreamKind.Ledger, "t", 0, 42, "k"u8.ToArray(), value, [], DateTimeOffset.UnixEpoch);
}
