using System.Text;
using System.Text.Json;
using Backoffice.Simulator.Oracle;
using Backoffice.Simulator.Traffic;

namespace Backoffice.Simulator.Cli;

/// <summary>
/// Every generated message as one JSON line: sequence, stream, key, kind, expected error code, the
/// value as text (null for a tombstone; the generator only writes UTF-8) and the canonical fact of a
/// valid message, e.g. for a baseline that loads the same rows with COPY.
/// </summary>
public sealed class MessageFile : IAsyncDisposable
{
    private readonly FileStream _stream;
    private readonly Utf8JsonWriter _writer;

    private MessageFile(FileStream stream)
    {
        _stream = stream;
        _writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
    }

    public static MessageFile Create(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        return new MessageFile(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16));
    }

    public void Write(SimulatedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var w = _writer;
        w.WriteStartObject();
        w.WriteNumber("sequence"u8, message.Sequence);
        w.WriteString("stream"u8, message.Stream.Name());
        w.WriteString("key"u8, message.Key);
        w.WriteString("kind"u8, OracleBuilder.KindName(message.Kind));
        if (message.ExpectedErrorCode is { } code)
        {
            w.WriteString("expected_error_code"u8, code);
            w.WriteString("description"u8, message.Description);
        }

        if (message.Value is { } value)
        {
            w.WriteString("value"u8, Encoding.UTF8.GetString(value));
        }
        else
        {
            w.WriteNull("value"u8);
        }

        if (message.Ledger is { } ledger)
        {
            w.WritePropertyName("ledger"u8);
            JsonSerializer.Serialize(w, ledger, OracleFile.SerializerOptions);
        }
        else if (message.PaymentOrder is { } order)
        {
            w.WritePropertyName("payment_order"u8);
            JsonSerializer.Serialize(w, order, OracleFile.SerializerOptions);
        }

        w.WriteEndObject();
        w.Flush();
        _stream.WriteByte((byte)'\n');
        // The writer tracks depth across lines otherwise; each line is a separate document.
        w.Reset();
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        await _stream.DisposeAsync();
    }
}
