using System.Net;
using System.Text.Json;
using Backoffice.Data;
using Backoffice.Data.Ledger;
using Backoffice.Tests.Api.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Tests.Api;

[Collection(ApiTestGroup.Name)]
public sealed class WalletListingTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Entries_are_newest_first_with_tx_id_breaking_ties_and_carry_their_pairing()
    {
        var wallet = Rows.NewId("w");
        var orderId = Rows.NewId("po");
        await api.SeedAsync(
            Rows.Entry(Tx(wallet, "a"), wallet, occurredAt: T0.AddSeconds(-10), relatedId: orderId),
            Rows.Entry(Tx(wallet, "b"), wallet, "RECEIVE", amount: 1.23456789m, occurredAt: T0),
            Rows.Entry(Tx(wallet, "c"), wallet, occurredAt: T0),
            Rows.Entry(Tx(wallet, "d"), wallet, occurredAt: T0.AddSeconds(-20)),
            Rows.IncompletePair(orderId, Tx(wallet, "a")));

        using var response = await api.Reader().GetTracedAsync($"/admin/wallets/{wallet}/tx");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var items = response.Json.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([Tx(wallet, "c"), Tx(wallet, "b"), Tx(wallet, "a"), Tx(wallet, "d")], items.Select(item => item.GetProperty("tx_id").GetString()));
        Assert.Equal(JsonValueKind.Null, response.Json.GetProperty("next_cursor").ValueKind);

        var b = items[1];
        Assert.Equal("RECEIVE", b.GetProperty("entry_type").GetString());
        Assert.Equal("1.23456789", b.GetProperty("amount").GetString());
        Assert.Equal("KRW", b.GetProperty("currency").GetString());
        Assert.Equal("POSTED", b.GetProperty("status").GetString());
        Assert.Equal("2026-11-25T12:00:00Z", b.GetProperty("occurred_at").GetString());
        Assert.Equal("2026-11-25T01:02:03.789Z", b.GetProperty("ingested_at").GetString());
        Assert.Equal("UNKNOWN", b.GetProperty("pairing").GetProperty("status").GetString());
        Assert.Equal("NO_RELATED_ID", b.GetProperty("pairing").GetProperty("reason").GetString());

        var a = items[2];
        Assert.Equal(orderId, a.GetProperty("related_id").GetString());
        Assert.Equal("PAYMENT_ORDER", a.GetProperty("related_type").GetString());
        Assert.Equal("INCOMPLETE", a.GetProperty("pairing").GetProperty("status").GetString());
        Assert.Equal("WAITING_FOR_RECEIVE", a.GetProperty("pairing").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task An_unknown_wallet_is_an_empty_200()
    {
        using var response = await api.Reader().GetTracedAsync($"/admin/wallets/{Rows.NewId("w")}/tx");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(0, response.Json.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, response.Json.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task The_default_page_is_50_and_limit_can_go_from_1_to_200()
    {
        var wallet = Rows.NewId("w");
        await api.SeedAsync([.. Enumerable.Range(0, 201).Select(i => Rows.Entry(Tx(wallet, $"{i:D4}"), wallet, occurredAt: T0.AddSeconds(-i)))]);
        using var client = api.Reader();

        Assert.Equal(50, await CountAsync(client, $"/admin/wallets/{wallet}/tx"));
        Assert.Equal(1, await CountAsync(client, $"/admin/wallets/{wallet}/tx?limit=1"));
        Assert.Equal(200, await CountAsync(client, $"/admin/wallets/{wallet}/tx?limit=200"));

        static async Task<int> CountAsync(HttpClient client, string path)
        {
            using var response = await client.GetTracedAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.Status);
            Assert.NotEqual(JsonValueKind.Null, response.Json.GetProperty("next_cursor").ValueKind);
            return response.Json.GetProperty("items").GetArrayLength();
        }
    }

    [Fact]
    public async Task Entries_without_occurred_at_come_first_and_page_like_the_others()
    {
        var wallet = Rows.NewId("w");
        await api.SeedAsync(
            Rows.Entry(Tx(wallet, "1"), wallet, occurredAt: T0),
            Rows.Entry(Tx(wallet, "2"), wallet, undated: true),
            Rows.Entry(Tx(wallet, "3"), wallet, occurredAt: T0.AddSeconds(-1)),
            Rows.Entry(Tx(wallet, "4"), wallet, undated: true),
            Rows.Entry(Tx(wallet, "5"), wallet, undated: true));

        var pages = await PageThroughAsync(api.Reader(), $"/admin/wallets/{wallet}/tx?limit=2");

        Assert.Equal([[Tx(wallet, "5"), Tx(wallet, "4")], [Tx(wallet, "2"), Tx(wallet, "1")], [Tx(wallet, "3")]], pages);
    }

    [Fact]
    public async Task From_and_to_are_inclusive_and_leave_out_entries_without_occurred_at()
    {
        var wallet = Rows.NewId("w");
        await api.SeedAsync(
            Rows.Entry(Tx(wallet, "1"), wallet, occurredAt: T0.AddMinutes(-3)),
            Rows.Entry(Tx(wallet, "2"), wallet, occurredAt: T0.AddMinutes(-2)),
            Rows.Entry(Tx(wallet, "3"), wallet, occurredAt: T0.AddMinutes(-1)),
            Rows.Entry(Tx(wallet, "4"), wallet, occurredAt: T0),
            Rows.Entry(Tx(wallet, "5"), wallet, undated: true));
        using var client = api.Reader();

        // 11:58 UTC written as 20:58+09:00: offsets are honoured.
        Assert.Equal([[Tx(wallet, "3"), Tx(wallet, "2")]],
            await PageThroughAsync(client, $"/admin/wallets/{wallet}/tx?from=2026-11-25T20:58:00%2B09:00&to=2026-11-25T11:59:00Z"));
        Assert.Equal([[Tx(wallet, "4"), Tx(wallet, "3")]], await PageThroughAsync(client, $"/admin/wallets/{wallet}/tx?from=2026-11-25T11:59:00Z"));
        Assert.Equal([[Tx(wallet, "2"), Tx(wallet, "1")]], await PageThroughAsync(client, $"/admin/wallets/{wallet}/tx?to=2026-11-25T11:58:00Z"));
        Assert.Equal([[Tx(wallet, "4")]],
            await PageThroughAsync(client, $"/admin/wallets/{wallet}/tx?from=2026-11-25T12:00:00Z&to=2026-11-25T12:00:00Z"));
    }

    [Fact]
    public async Task Entry_type_keeps_only_that_side_across_pages()
    {
        var wallet = Rows.NewId("w");
        await api.SeedAsync([.. Enumerable.Range(0, 10).Select(i =>
            Rows.Entry(Tx(wallet, $"{i}"), wallet, i % 2 == 0 ? EntryTypes.Payment : EntryTypes.Receive, occurredAt: T0.AddSeconds(-i)))]);

        var pages = await PageThroughAsync(api.Reader(), $"/admin/wallets/{wallet}/tx?entry_type=RECEIVE&limit=2");

        Assert.Equal([[Tx(wallet, "1"), Tx(wallet, "3")], [Tx(wallet, "5"), Tx(wallet, "7")], [Tx(wallet, "9")]], pages);
    }

    [Fact]
    public async Task Paging_while_rows_are_inserted_returns_every_existing_row_once_in_order()
    {
        var wallet = Rows.NewId("w");
        // Three rows per timestamp so pages end inside a tie; a few undated rows lead the list.
        var existing = Enumerable.Range(0, 300)
            .Select(i => Rows.Entry(Tx(wallet, $"{i:D5}"), wallet, occurredAt: T0.AddSeconds(-(i / 3)), undated: i % 97 == 0))
            .ToList();
        await api.SeedAsync([.. existing]);

        using var stop = new CancellationTokenSource();
        var writer = InsertWhilePagingAsync(wallet, stop.Token);
        List<List<string>> pages;
        try
        {
            pages = await PageThroughAsync(api.Reader(), $"/admin/wallets/{wallet}/tx?limit=23", pause: TimeSpan.FromMilliseconds(20));
        }
        finally
        {
            await stop.CancelAsync();
        }

        var inserted = await writer;
        var seen = pages.SelectMany(page => page).ToList();
        Assert.True(inserted > 10, $"only {inserted} rows were inserted while paging");
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Superset(existing.Select(entry => entry.TxId).ToHashSet(), seen.ToHashSet());

        // The order is the database's own (occurred_at desc nulls first, tx_id desc).
        await using var db = api.CreateDbContext();
        var ordered = await db.LedgerEntries.Where(entry => entry.WalletId == wallet)
            .OrderByDescending(entry => entry.OccurredAt).ThenByDescending(entry => entry.TxId)
            .Select(entry => entry.TxId).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(ordered.Where(seen.Contains), seen);
    }

    /// <summary>Inserts rows newer than, older than and among the existing ones until stopped; returns how many.</summary>
    private async Task<int> InsertWhilePagingAsync(string wallet, CancellationToken stop)
    {
        var inserted = 0;
        var random = new Random(7);
        await using var db = new BoDbContext(Backoffice.Tests.Infrastructure.PostgresServerFixture.CreateContextOptions(api.ConnectionString));
        while (!stop.IsCancellationRequested && inserted < 500)
        {
            var offset = random.Next(-30, 130);
            db.LedgerEntries.Add(Rows.Entry(Tx(wallet, $"new-{inserted:D5}"), wallet, occurredAt: T0.AddSeconds(-offset), undated: offset % 50 == 0));
            await db.SaveChangesAsync(CancellationToken.None);
            inserted++;
            await Task.Delay(5, CancellationToken.None);
        }

        return inserted;
    }

    /// <summary>tx_id is the table's key: ids are made unique per test by the (fresh) wallet id.</summary>
    private static string Tx(string wallet, string suffix) => $"{wallet}.{suffix}";

    private static async Task<List<List<string>>> PageThroughAsync(HttpClient client, string path, TimeSpan pause = default)
    {
        var pages = new List<List<string>>();
        string? cursor = null;
        do
        {
            using var response = await client.GetTracedAsync(cursor is null ? path : $"{path}{(path.Contains('?') ? '&' : '?')}cursor={cursor}");
            Assert.Equal(HttpStatusCode.OK, response.Status);
            pages.Add([.. response.Json.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("tx_id").GetString()!)]);
            cursor = response.Json.GetProperty("next_cursor").GetString();
            Assert.True(pages.Count < 1000, "paging did not end");
            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, TestContext.Current.CancellationToken);
            }
        }
        while (cursor is not null);

        return pages;
    }
}
