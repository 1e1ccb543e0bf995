using System.Net;
using System.Text.Json;
using Backoffice.Tests.Api.Infrastructure;

namespace Backoffice.Tests.Api;

[Collection(ApiTestGroup.Name)]
public sealed class PaymentOrderLookupTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task An_order_returns_its_legs_oldest_first_and_its_pairing_without_counterpart()
    {
        var orderId = Rows.NewId("po");
        var payment = Rows.NewId("tx");
        var receive = Rows.NewId("tx");
        var unrelated = Rows.NewId("tx");
        await api.SeedAsync(
            Rows.Entry(receive, "w-9", "RECEIVE", relatedId: orderId, occurredAt: new DateTimeOffset(2026, 11, 25, 1, 2, 5, TimeSpan.Zero)),
            Rows.Entry(payment, "w-1", "PAYMENT", relatedId: orderId, occurredAt: new DateTimeOffset(2026, 11, 25, 1, 2, 4, TimeSpan.Zero)),
            Rows.Entry(unrelated, "w-1", "PAYMENT", relatedId: Rows.NewId("po")),
            Rows.CompletePair(orderId, payment, receive),
            Rows.Order(orderId, "w-1", "w-9"));

        using var response = await api.Reader().GetTracedAsync($"/admin/payment-orders/{orderId}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var body = response.Json;
        Assert.Equal(orderId, body.GetProperty("order_id").GetString());
        Assert.Equal("SETTLED", body.GetProperty("status").GetString());
        Assert.Equal("15000.00000000", body.GetProperty("amount").GetString());
        Assert.Equal("KRW", body.GetProperty("currency").GetString());
        Assert.Equal("w-1", body.GetProperty("payer_wallet_id").GetString());
        Assert.Equal("w-9", body.GetProperty("payee_wallet_id").GetString());
        Assert.Equal("2026-11-25T01:02:00Z", body.GetProperty("created_at").GetString());
        Assert.Equal("2026-11-25T01:02:05Z", body.GetProperty("updated_at").GetString());
        Assert.Equal(2, body.GetProperty("source_version").GetInt64());
        Assert.Equal("2026-11-25T01:02:03.789Z", body.GetProperty("ingested_at").GetString());

        var legs = body.GetProperty("ledger_entries").EnumerateArray().ToList();
        Assert.Equal([payment, receive], legs.Select(leg => leg.GetProperty("tx_id").GetString()));
        Assert.Equal("PAYMENT", legs[0].GetProperty("entry_type").GetString());
        Assert.Equal("w-1", legs[0].GetProperty("wallet_id").GetString());
        Assert.Equal("15000.00000000", legs[0].GetProperty("amount").GetString());
        Assert.Equal("2026-11-25T01:02:04Z", legs[0].GetProperty("occurred_at").GetString());
        Assert.Equal("POSTED", legs[1].GetProperty("status").GetString());

        var pairing = body.GetProperty("pairing");
        Assert.Equal("COMPLETE", pairing.GetProperty("status").GetString());
        Assert.Equal(payment, pairing.GetProperty("payment_tx_id").GetString());
        Assert.Equal(receive, pairing.GetProperty("receive_tx_id").GetString());
        Assert.Equal("2026-11-25T01:02:04Z", pairing.GetProperty("completed_at").GetString());
        Assert.False(pairing.TryGetProperty("counterpart", out _));
    }

    [Fact]
    public async Task An_order_whose_legs_have_not_arrived_has_no_legs_and_UNKNOWN_PAIR_NOT_FOUND()
    {
        var orderId = Rows.NewId("po");
        await api.SeedAsync(Rows.Order(orderId, "w-1", "w-2", status: "CREATED", amount: null));

        using var response = await api.Reader().GetTracedAsync($"/admin/payment-orders/{orderId}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(JsonValueKind.Null, response.Json.GetProperty("amount").ValueKind);
        Assert.Equal(0, response.Json.GetProperty("ledger_entries").GetArrayLength());
        var pairing = response.Json.GetProperty("pairing");
        Assert.Equal("UNKNOWN", pairing.GetProperty("status").GetString());
        Assert.Equal("PAIR_NOT_FOUND", pairing.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Legs_without_a_payment_order_row_are_404_for_the_order()
    {
        var orderId = Rows.NewId("po");
        await api.SeedAsync(Rows.Entry(Rows.NewId("tx"), "w-1", relatedId: orderId));

        using var response = await api.Reader().GetTracedAsync($"/admin/payment-orders/{orderId}");

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("application/problem+json", response.MediaType);
        Assert.Equal("NOT_FOUND", response.Json.GetProperty("code").GetString());
        Assert.Equal(response.TraceId, response.Json.GetProperty("trace_id").GetString());
    }
}
