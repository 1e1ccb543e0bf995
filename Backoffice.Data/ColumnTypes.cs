namespace Backoffice.Data;

/// <summary>The column types and check-constraint shapes shared by the <c>bo</c> tables (spec §1).</summary>
internal static class ColumnTypes
{
    public const string Text = "text";
    public const string Amount = "numeric(26,8)";
    public const string Currency = "char(3)";
    public const string Timestamp = "timestamptz";
    public const string Json = "jsonb";
    public const string Bytes = "bytea";
    public const string TextArray = "text[]";
    public const string IpAddress = "inet";

    /// <summary>Identifiers (tx_id, wallet_id, related_id, order_id) are 1–128 characters by contract.</summary>
    public const int MaxIdLength = 128;

    public static string IdLengthCheck(string column) => $"char_length({column}) BETWEEN 1 AND {MaxIdLength}";

    /// <summary>ISO 4217 codes arrive upper-cased from the consumer; anything else is a bug worth rejecting.</summary>
    public static string CurrencyCheck(string column) => $"{column} ~ '^[A-Z]{{3}}$'";

    public static string InCheck(string column, params string[] values) =>
        $"{column} IN ({string.Join(", ", values.Select(v => $"'{v}'"))})";
}
