using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Backoffice.Api.Lookups;

/// <summary>What a wallet listing is filtered by; a cursor is only valid for the same filter.</summary>
public sealed record WalletListFilter(string WalletId, DateTimeOffset? From, DateTimeOffset? To, string? EntryType);

/// <summary>The last row of a page: the keyset position the next page starts after.</summary>
public sealed record WalletListPosition(DateTimeOffset? OccurredAt, string TxId);

/// <summary>
/// Opaque, tamper-evident cursors: base64url of <c>version | flags | occurred_at ticks | tx_id</c>
/// followed by a truncated HMAC-SHA256 over those bytes and the <see cref="WalletListFilter"/>.
/// A cursor that is garbled, forged, or reused with another wallet or other filters fails the tag
/// check and is rejected (400), never interpreted. <c>limit</c> is not bound: a client may change
/// its page size between pages.
/// </summary>
public sealed class WalletCursorCodec(IOptions<LookupOptions> options)
{
    public const int MaxEncodedLength = 1024;
    private const byte Version = 1;
    private const byte HasOccurredAt = 1;
    private const int TagLength = 16;
    private const int MaxTxIdBytes = 512;

    private readonly byte[] _key = options.Value.CursorKeyBytes();

    public string Encode(WalletListFilter filter, WalletListPosition position)
    {
        var txId = Encoding.UTF8.GetBytes(position.TxId);
        var body = new byte[2 + (position.OccurredAt is null ? 0 : 8) + 2 + txId.Length];
        body[0] = Version;
        var offset = 2;
        if (position.OccurredAt is { } occurredAt)
        {
            body[1] = HasOccurredAt;
            BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(offset), occurredAt.UtcTicks);
            offset += 8;
        }

        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(offset), (ushort)txId.Length);
        txId.CopyTo(body, offset + 2);

        var token = new byte[body.Length + TagLength];
        body.CopyTo(token, 0);
        Tag(body, filter).CopyTo(token.AsSpan(body.Length));
        return WebEncoders.Base64UrlEncode(token);
    }

    public bool TryDecode(string encoded, WalletListFilter filter, out WalletListPosition? position)
    {
        position = null;
        if (encoded.Length is 0 or > MaxEncodedLength || !IsBase64Url(encoded))
        {
            return false;
        }

        byte[] token;
        try
        {
            token = WebEncoders.Base64UrlDecode(encoded);
        }
        catch (FormatException)
        {
            return false;
        }

        if (token.Length < 2 + 2 + TagLength)
        {
            return false;
        }

        var body = token.AsSpan(0, token.Length - TagLength);
        if (!CryptographicOperations.FixedTimeEquals(token.AsSpan(body.Length), Tag(body, filter)))
        {
            return false;
        }

        // The tag vouches for bytes this codec wrote, so what follows only guards against a key
        // shared with a different encoder version.
        if (body[0] != Version || body[1] > HasOccurredAt)
        {
            return false;
        }

        var offset = 2;
        DateTimeOffset? occurredAt = null;
        if (body[1] == HasOccurredAt)
        {
            if (body.Length < offset + 8 + 2)
            {
                return false;
            }

            var ticks = BinaryPrimitives.ReadInt64BigEndian(body[offset..]);
            if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
            {
                return false;
            }

            occurredAt = new DateTimeOffset(ticks, TimeSpan.Zero);
            offset += 8;
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(body[offset..]);
        offset += 2;
        if (length is 0 or > MaxTxIdBytes || body.Length != offset + length)
        {
            return false;
        }

        position = new WalletListPosition(occurredAt, Encoding.UTF8.GetString(body[offset..]));
        return true;
    }

    private byte[] Tag(ReadOnlySpan<byte> body, WalletListFilter filter)
    {
        var binding = Encoding.UTF8.GetBytes(
            $"{filter.WalletId}\n{filter.From?.UtcTicks}\n{filter.To?.UtcTicks}\n{filter.EntryType}");
        var input = new byte[body.Length + binding.Length];
        body.CopyTo(input);
        binding.CopyTo(input.AsSpan(body.Length));
        return HMACSHA256.HashData(_key, input)[..TagLength];
    }

    private static bool IsBase64Url(string text)
    {
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
