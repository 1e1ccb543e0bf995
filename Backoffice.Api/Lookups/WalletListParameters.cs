namespace Backoffice.Api.Lookups;

/// <summary>A validated wallet listing request.</summary>
public sealed record WalletListQuery(WalletListFilter Filter, int Limit, WalletListPosition? After);

/// <summary>
/// Query parameters of <c>GET /admin/wallets/{wallet_id}/tx</c>, bound as raw strings and validated
/// here so every malformed value becomes our <c>INVALID_PARAMETER</c> problem, never a binding failure.
/// A parameter that is present must be valid (an empty value is not "absent").
/// </summary>
public static class WalletListParameters
{
    public const string Limit = "limit";
    public const string Cursor = "cursor";
    public const string From = "from";
    public const string To = "to";
    public const string EntryType = "entry_type";

    public const int DefaultLimit = 50;
    public const int MinLimit = 1;
    public const int MaxLimit = 200;

    public static IReadOnlyList<string> Names { get; } = [Limit, Cursor, From, To, EntryType];

    public static IReadOnlyList<string> EntryTypeValues { get; } = [Data.Ledger.EntryTypes.Payment, Data.Ledger.EntryTypes.Receive];

    public static WalletListQuery? Parse(
        string walletId, string? limit, string? cursor, string? from, string? to, string? entryType,
        WalletCursorCodec cursors, out Dictionary<string, string[]> errors)
    {
        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);

        var pageSize = DefaultLimit;
        if (limit is not null && !TryParseLimit(limit, out pageSize))
        {
            errors[Limit] = [$"must be an integer from {MinLimit} to {MaxLimit}"];
        }

        DateTimeOffset? fromValue = null;
        if (from is not null)
        {
            if (Timestamps.TryParseRfc3339(from, out var parsed))
            {
                fromValue = parsed.ToUniversalTime();
            }
            else
            {
                errors[From] = ["must be an RFC 3339 date-time with an offset, e.g. 2026-11-25T01:02:03Z"];
            }
        }

        DateTimeOffset? toValue = null;
        if (to is not null)
        {
            if (Timestamps.TryParseRfc3339(to, out var parsed))
            {
                toValue = parsed.ToUniversalTime();
            }
            else
            {
                errors[To] = ["must be an RFC 3339 date-time with an offset, e.g. 2026-11-25T01:02:03Z"];
            }
        }

        if (fromValue > toValue)
        {
            errors[From] = ["must not be later than to"];
        }

        if (entryType is not null && entryType is not (Data.Ledger.EntryTypes.Payment or Data.Ledger.EntryTypes.Receive))
        {
            errors[EntryType] = [$"must be {Data.Ledger.EntryTypes.Payment} or {Data.Ledger.EntryTypes.Receive}"];
        }

        if (errors.Count > 0)
        {
            return null;
        }

        var filter = new WalletListFilter(walletId, fromValue, toValue, entryType);
        WalletListPosition? after = null;
        if (cursor is not null && !cursors.TryDecode(cursor, filter, out after))
        {
            errors[Cursor] = ["is not a cursor this API returned for this wallet and these filters"];
            return null;
        }

        return new WalletListQuery(filter, pageSize, after);
    }

    private static bool TryParseLimit(string text, out int limit)
    {
        limit = 0;
        if (text.Length is 0 or > 3)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            limit = (limit * 10) + (c - '0');
        }

        return limit is >= MinLimit and <= MaxLimit;
    }
}
