namespace Backoffice.Api.Lookups;

/// <summary>Path ids (<c>tx_id</c>, <c>order_id</c>, <c>wallet_id</c>): 1–128 characters of <c>[A-Za-z0-9._:@-]</c>.</summary>
public static class LookupId
{
    public const int MaxLength = 128;
    public const string Pattern = "^[A-Za-z0-9._:@-]{1,128}$";

    public static bool IsValid(string? id)
    {
        if (id is null || id.Length is 0 or > MaxLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '@' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
