using Npgsql;
using NpgsqlTypes;

namespace Backoffice.Data.Sync;

/// <summary>Typed array parameters for <c>unnest</c>: one array per column, one element per row.</summary>
internal static class SqlArrays
{
    public static NpgsqlParameter Text(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    /// <summary>
    /// text[] from <see cref="RawJson"/> values: Npgsql writes <c>ReadOnlyMemory&lt;byte&gt;</c> to a text
    /// parameter as the bytes it is given (the connection's encoding is UTF-8), so nothing is re-encoded.
    /// </summary>
    public static NpgsqlParameter Utf8Text(IEnumerable<RawJson> values) =>
        new() { Value = values.Select(v => v.Utf8).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    public static NpgsqlParameter Numeric(IEnumerable<decimal?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Numeric };

    public static NpgsqlParameter BigInt(IEnumerable<long?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };

    public static NpgsqlParameter Integer(IEnumerable<int?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer };

    public static NpgsqlParameter Bytes(IEnumerable<byte[]?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea };

    /// <summary>timestamptz[]; Npgsql wants UTC <see cref="DateTime"/>s for timestamptz.</summary>
    public static NpgsqlParameter Timestamp(IEnumerable<DateTimeOffset?> values) =>
        new() { Value = values.Select(v => v?.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };

    public static DateTimeOffset? ReadTimestamp(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : new DateTimeOffset(reader.GetFieldValue<DateTime>(ordinal), TimeSpan.Zero);

    public static string? ReadText(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
