namespace Backoffice.SyncConsumer.Normalisation;

internal enum ValueState : byte
{
    /// <summary>Not given: missing key, JSON null, or an empty/whitespace string.</summary>
    Absent,
    Valid,
    Invalid,
}

/// <summary>One field value after normalisation. Valid values of the same field compare with <see cref="SameValue"/>.</summary>
internal readonly struct FieldValue
{
    private FieldValue(ValueState state, string? text = null, decimal number = 0, long integer = 0, DateTimeOffset time = default, string? problem = null)
    {
        State = state;
        Text = text;
        Number = number;
        Integer = integer;
        Time = time;
        Problem = problem;
    }

    public static FieldValue Absent => default;

    public ValueState State { get; }

    /// <summary>Id, text, word, entry type and currency values.</summary>
    public string? Text { get; }

    /// <summary>Amounts.</summary>
    public decimal Number { get; }

    /// <summary>Source versions.</summary>
    public long Integer { get; }

    /// <summary>Timestamps, UTC, truncated to microseconds.</summary>
    public DateTimeOffset Time { get; }

    /// <summary>For invalid values: "expected …, found …", naming what was wrong.</summary>
    public string? Problem { get; }

    public static FieldValue OfText(string text) => new(ValueState.Valid, text: text);

    public static FieldValue OfNumber(decimal number) => new(ValueState.Valid, number: number);

    public static FieldValue OfInteger(long integer) => new(ValueState.Valid, integer: integer);

    public static FieldValue OfTime(DateTimeOffset time) => new(ValueState.Valid, time: time);

    public static FieldValue Invalid(string problem) => new(ValueState.Invalid, problem: problem);

    /// <summary>
    /// Equality of two valid values of one field: normalised values compare, so "15000" equals 15000.0,
    /// "usd" equals "USD", "debit" equals "PAYMENT" and one instant written with two offsets is one value.
    /// Decimal equality ignores scale.
    /// </summary>
    public bool SameValue(in FieldValue other) =>
        string.Equals(Text, other.Text, StringComparison.Ordinal)
        && Number == other.Number
        && Integer == other.Integer
        && Time == other.Time;
}
