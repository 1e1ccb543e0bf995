using Backoffice.Api.Audit;
using Backoffice.Api.Lookups;
using Backoffice.Tests.Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Backoffice.Tests.Api;

/// <summary>The pure rules under the lookups: ids, timestamps, amounts, cursors, audit text.</summary>
[Collection(ApiTestGroup.Name)]
public sealed class LookupRulesTests
{
    private static readonly WalletCursorCodec Codec = new(Options.Create(new LookupOptions()));
    private static readonly WalletListFilter Filter = new("w-1", null, null, null);

    [Theory]
    [InlineData("2026-11-25T01:02:03Z", "2026-11-25T01:02:03Z")]
    [InlineData("2026-11-25t01:02:03z", "2026-11-25T01:02:03Z")]
    [InlineData("2026-11-25T10:02:03.4567891+09:00", "2026-11-25T01:02:03.456789Z")]
    [InlineData("2026-11-24T20:02:03.5-05:00", "2026-11-25T01:02:03.5Z")]
    public void Rfc3339_date_times_with_an_offset_are_read_and_written_back_in_UTC(string text, string utc)
    {
        Assert.True(Timestamps.TryParseRfc3339(text, out var value));
        Assert.Equal(utc, Timestamps.Format(new DateTimeOffset(value.UtcTicks / 10 * 10, TimeSpan.Zero)));
    }

    [Fact]
    public void Timestamps_are_written_as_the_custom_format_yyyy_MM_ddTHH_mm_ss_FFFFFF_Z_would()
    {
        var random = new Random(42);
        var values = new List<DateTimeOffset>
        {
            DateTimeOffset.UnixEpoch,
            new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_999),
            new DateTimeOffset(2026, 11, 25, 1, 2, 3, TimeSpan.FromHours(9)),
            new DateTimeOffset(2026, 11, 25, 1, 2, 3, TimeSpan.Zero).AddTicks(10),
            new DateTimeOffset(2026, 11, 25, 1, 2, 3, TimeSpan.Zero).AddTicks(9),
            new DateTimeOffset(2026, 11, 25, 1, 2, 3, TimeSpan.Zero).AddTicks(1_000_000),
        };
        for (var i = 0; i < 10_000; i++)
        {
            var ticks = random.NextInt64(TimeSpan.TicksPerDay, DateTimeOffset.MaxValue.UtcTicks - TimeSpan.TicksPerDay);
            values.Add(new DateTimeOffset(i % 2 == 0 ? ticks : ticks / 10 * 10, TimeSpan.Zero)
                .ToOffset(TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60))));
        }

        Span<char> buffer = stackalloc char[32];
        foreach (var value in values)
        {
            var expected = value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(expected, Timestamps.Format(value));
            Assert.Equal(expected, buffer[..Timestamps.FormatTo(value, buffer)].ToString());
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("2026-11-25")]
    [InlineData("2026-11-25T01:02:03")]
    [InlineData("2026-11-25 01:02:03Z")]
    [InlineData("2026-11-25T01:02:03.Z")]
    [InlineData("2026-11-25T01:02:03.123456789Z")]
    [InlineData("2026-11-25T01:02:60Z")]
    [InlineData("2026-02-30T01:02:03Z")]
    [InlineData("2026-11-25T01:02:03+0900")]
    [InlineData("+2026-11-25T01:02:03Z")]
    [InlineData("٢٠٢٦-11-25T01:02:03Z")]
    public void Anything_else_is_not_an_RFC_3339_date_time(string text) =>
        Assert.False(Timestamps.TryParseRfc3339(text, out _));

    [Theory]
    [InlineData("0", "0.00000000")]
    [InlineData("15000", "15000.00000000")]
    [InlineData("0.00000001", "0.00000001")]
    [InlineData("999999999999999999.99999999", "999999999999999999.99999999")]
    public void Amounts_are_exact_strings_with_eight_decimals(string amount, string expected) =>
        Assert.Equal(expected, Amounts.Format(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData("tx-1", true)]
    [InlineData("A.b_c:d@e-9", true)]
    [InlineData("", false)]
    [InlineData("tx 1", false)]
    [InlineData("tx/1", false)]
    [InlineData("tx\n", false)]
    [InlineData("tx%2F1", false)]
    [InlineData("ｔｘ", false)]
    public void Path_ids_are_1_to_128_characters_of_the_allowed_set(string id, bool valid) =>
        Assert.Equal(valid, LookupId.IsValid(id));

    [Fact]
    public void Path_ids_may_be_128_characters_but_not_129() =>
        Assert.Equal((true, false), (LookupId.IsValid(new string('a', 128)), LookupId.IsValid(new string('a', 129))));

    [Theory]
    [InlineData(null, "tx-1")]
    [InlineData(638_000_000_000_000_000L, "tx-1")]
    [InlineData(638_000_000_000_000_000L, "ключ-€-𝄞")]
    public void A_cursor_round_trips_for_its_own_filter_only(long? ticks, string txId)
    {
        var position = new WalletListPosition(ticks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null, txId);

        var cursor = Codec.Encode(Filter, position);

        Assert.True(Codec.TryDecode(cursor, Filter, out var decoded));
        Assert.Equal(position, decoded);
        Assert.False(Codec.TryDecode(cursor, Filter with { WalletId = "w-2" }, out _));
        Assert.False(Codec.TryDecode(cursor, Filter with { EntryType = "PAYMENT" }, out _));
        Assert.False(Codec.TryDecode(cursor, Filter with { To = DateTimeOffset.UnixEpoch }, out _));
        Assert.False(new WalletCursorCodec(Options.Create(new LookupOptions { CursorKey = Convert.ToBase64String(new byte[32]) }))
            .TryDecode(cursor, Filter, out _));
    }

    [Fact]
    public void No_single_byte_change_of_a_cursor_is_accepted()
    {
        var bytes = Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlDecode(
            Codec.Encode(Filter, new WalletListPosition(DateTimeOffset.UnixEpoch, "tx-1")));
        for (var i = 0; i < bytes.Length; i++)
        {
            var changed = (byte[])bytes.Clone();
            changed[i] ^= 0x20;
            Assert.False(Codec.TryDecode(Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(changed), Filter, out _));
        }
    }

    [Theory]
    [InlineData("abc", 10, "abc")]
    [InlineData("abcdef", 3, "abc")]
    [InlineData("a\0b\u0007c", 10, "a\uFFFDb\uFFFDc")]
    [InlineData("ab\uD834\uDD1E", 3, "ab")]
    [InlineData("ab\uD834\uDD1E", 4, "ab\uD834\uDD1E")]
    public void Audit_text_is_cut_without_splitting_a_character_and_made_printable(string text, int max, string expected) =>
        Assert.Equal(expected, AuditText.Clip(text, max));

    [Fact]
    public void A_lone_surrogate_in_audit_text_is_replaced() =>
        // Not theory data: xunit's serialisation of theory arguments would not keep a lone surrogate.
        Assert.Equal("a\uFFFDb", AuditText.Clip("a\uDD1Eb", 10));
}
