using System.Buffers;
using System.Text.Json;

namespace Backoffice.Simulator.Traffic;

/// <summary>
/// The Kafka Connect schema that JsonConverter (schemas enabled) puts beside a Debezium payload.
/// Built once per table; the consumer ignores it, so it only has to look like the real thing.
/// </summary>
internal static class DebeziumSchema
{
    public static byte[] Build(string table, StreamKind stream)
    {
        var columns = stream == StreamKind.Ledger
            ? new (string Name, string Type, string? Logical, bool Optional)[]
            {
                ("tx_id", "string", null, false), ("wallet_id", "string", null, false), ("entry_type", "string", null, false),
                ("amount", "string", null, false), ("currency", "string", null, true), ("related_id", "string", null, true),
                ("related_type", "string", null, true), ("status", "string", null, true),
                ("occurred_at", "int64", "io.debezium.time.Timestamp", true), ("updated_at", "int64", "io.debezium.time.Timestamp", true),
                ("source_version", "int64", null, true), ("event_id", "string", null, true), ("event_type", "string", null, true),
            }
            : new (string Name, string Type, string? Logical, bool Optional)[]
            {
                ("order_id", "string", null, false), ("status", "string", null, false), ("amount", "string", null, true),
                ("currency", "string", null, true), ("payer_wallet_id", "string", null, true), ("payee_wallet_id", "string", null, true),
                ("created_at", "int64", "io.debezium.time.Timestamp", true), ("updated_at", "int64", "io.debezium.time.Timestamp", true),
                ("source_version", "int64", null, true), ("event_id", "string", null, true), ("event_type", "string", null, true),
            };

        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            var valueName = $"oltp.public.{table}.Value";
            w.WriteStartObject();
            w.WriteString("type", "struct");
            w.WriteStartArray("fields");
            foreach (var field in new[] { "before", "after" })
            {
                w.WriteStartObject();
                w.WriteString("type", "struct");
                w.WriteStartArray("fields");
                foreach (var (name, type, logical, optional) in columns)
                {
                    w.WriteStartObject();
                    w.WriteString("type", type);
                    w.WriteBoolean("optional", optional);
                    if (logical is not null)
                    {
                        w.WriteString("name", logical);
                        w.WriteNumber("version", 1);
                    }

                    w.WriteString("field", name);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteBoolean("optional", true);
                w.WriteString("name", valueName);
                w.WriteString("field", field);
                w.WriteEndObject();
            }

            w.WriteStartObject();
            w.WriteString("type", "struct");
            w.WriteStartArray("fields");
            foreach (var (name, type) in new[] { ("version", "string"), ("connector", "string"), ("name", "string"), ("ts_ms", "int64"), ("snapshot", "string"), ("db", "string"), ("schema", "string"), ("table", "string"), ("lsn", "int64") })
            {
                w.WriteStartObject();
                w.WriteString("type", type);
                w.WriteBoolean("optional", name is "snapshot" or "lsn");
                w.WriteString("field", name);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteBoolean("optional", false);
            w.WriteString("name", "io.debezium.connector.postgresql.Source");
            w.WriteString("field", "source");
            w.WriteEndObject();

            foreach (var (name, type, optional) in new[] { ("op", "string", false), ("ts_ms", "int64", true) })
            {
                w.WriteStartObject();
                w.WriteString("type", type);
                w.WriteBoolean("optional", optional);
                w.WriteString("field", name);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteBoolean("optional", false);
            w.WriteString("name", $"oltp.public.{table}.Envelope");
            w.WriteNumber("version", 1);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
