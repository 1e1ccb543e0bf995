using System.Globalization;

namespace Backoffice.Api.Lookups;

/// <summary>Amounts travel as strings so no JSON client rounds them through a double.</summary>
public static class Amounts
{
    /// <summary><c>numeric(26,8)</c> rendered with exactly eight decimals: <c>15000</c> → <c>"15000.00000000"</c>.</summary>
    public static string Format(decimal amount) => amount.ToString("F8", CultureInfo.InvariantCulture);

    public static string? Format(decimal? amount) => amount is { } value ? Format(value) : null;
}
