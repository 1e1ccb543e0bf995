using System.Net;
using Backoffice.Tests.Api.Infrastructure;

namespace Backoffice.Tests.Api;

[Collection(ApiTestGroup.Name)]
public sealed class TransactionLookupTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_paired_payment_returns_the_entry_its_counterpart_and_its_order_in_the_specified_shape()
    {
        var orderId = Rows.NewId("po");
        var payment = Rows.NewId("tx");
        var receive = Rows.NewId("tx");
        await api.SeedAsync(
            Rows.Entry(payment, "w-1", "PAYMENT", relatedId: orderId),
            Rows.Entry(receive, "w-9", "RECEIVE", relatedId: orderId,
                occurredAt: new DateTimeOffset(2026, 11, 25, 1, 2, 4, TimeSpan.Zero)),
            Rows.CompletePair(orderId, payment, receive),
            Rows.Order(orderId, "w-1", "w-9"));

        using var response = await api.Reader().GetTracedAsync($"/admin/tx/{payment}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("application/json", response.MediaType);
        var body = response.Json;
        Assert.Equal(payment, body.GetProperty("tx_id").GetString());
        Assert.Equal("PAYMENT", body.GetProperty("entry_type").GetString());
        Assert.Equal("w-1", body.GetProperty("wallet_id").GetString());
        Assert.Equal("15000.00000000", body.GetProperty("amount").GetString());
        Assert.Equal("KRW", body.GetProperty("currency").GetString());
        Assert.Equal("POSTED", body.GetProperty("status").GetString());
        Assert.Equal(orderId, body.GetProperty("related_id").GetString());
        Assert.Equal("PAYMENT_ORDER", body.GetProperty("related_type").GetString());
        Assert.Equal("2026-11-25T01:02:03.456Z", body.GetProperty("occurred_at").GetString());
        Assert.Equal("2026-11-25T01:02:03.456Z", body.GetProperty("updated_at").GetString());
        Assert.Equal(3, body.GetProperty("source_version").GetInt64());
        Assert.Equal("2026-11-25T01:02:03.789Z", body.GetProperty("ingested_at").GetString());

        var pairing = body.GetProperty("pairing");
        Assert.Equal("COMPLETE", pairing.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, pairing.GetProperty("reason").ValueKind);
        Assert.Equal(payment, pairing.GetProperty("payment_tx_id").GetString());
        Assert.Equal(receive, pairing.GetProperty("receive_tx_id").GetString());
        Assert.Equal("2026-11-25T01:02:03.456Z", pairing.GetProperty("first_leg_at").GetString());
        Assert.Equal("2026-11-25T01:02:04Z", pairing.GetProperty("completed_at").GetString());

        var counterpart = pairing.GetProperty("counterpart");
        Assert.Equal(receive, counterpart.GetProperty("tx_id").GetString());
        Assert.Equal("RECEIVE", counterpart.GetProperty("entry_type").GetString());
        Assert.Equal("w-9", counterpart.GetProperty("wallet_id").GetString());
        Assert.Equal("15000.00000000", counterpart.GetProperty("amount").GetString());
        Assert.Equal("KRW", counterpart.GetProperty("currency").GetString());
        Assert.Equal("2026-11-25T01:02:04Z", counterpart.GetProperty("occurred_at").GetString());

        var order = body.GetProperty("payment_order");
        Assert.Equal(orderId, order.GetProperty("order_id").GetString());
        Assert.Equal("SETTLED", order.GetProperty("status").GetString());
        Assert.Equal("15000.00000000", order.GetProperty("amount").GetString());
        Assert.Equal("KRW", order.GetProperty("currency").GetString());
        Assert.Equal("w-1", order.GetProperty("payer_wallet_id").GetString());
        Assert.Equal("w-9", order.GetProperty("payee_wallet_id").GetString());
        Assert.Equal("2026-11-25T01:02:00Z", order.GetProperty("created_at").GetString());
        Assert.Equal("2026-11-25T01:02:05Z", order.GetProperty("updated_at").GetString());
    }

    [Fact]
    public async Task The_receive_leg_names_the_payment_leg_as_its_counterpart()
    {
        var orderId = Rows.NewId("po");
        var payment = Rows.NewId("tx");
        var receive = Rows.NewId("tx");
        await api.SeedAsync(
            Rows.Entry(payment, "w-1", "PAYMENT", relatedId: orderId),
            Rows.Entry(receive, "w-9", "RECEIVE", relatedId: orderId),
            Rows.CompletePair(orderId, payment, receive));

        using var response = await api.Reader().GetTracedAsync($"/admin/tx/{receive}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(payment, response.Json.GetProperty("pairing").GetProperty("counterpart").GetProperty("tx_id").GetString());
    }

    [Fact]
    public async Task An_entry_without_related_id_is_UNKNOWN_with_NO_RELATED_ID_and_has_no_order()
    {
        var txId = Rows.NewId("tx");
        await api.SeedAsync(Rows.Entry(txId, "w-2", amount: 0.5m, currency: null));

        using var response = await api.Reader().GetTracedAsync($"/admin/tx/{txId}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var body = response.Json;
        Assert.Equal("0.50000000", body.GetProperty("amount").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("currency").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("related_id").ValueKind);
        var pairing = body.GetProperty("pairing");
        Assert.Equal("UNKNOWN", pairing.GetProperty("status").GetString());
        Assert.Equal("NO_RELATED_ID", pairing.GetProperty("reason").GetString());
        foreach (var field in new[] { "payment_tx_id", "receive_tx_id", "first_leg_at", "completed_at", "counterpart" })
        {
            Assert.Equal(System.Text.Json.JsonValueKind.Null, pairing.GetProperty(field).ValueKind);
        }

        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("payment_order").ValueKind);
    }

    [Fact]
    public async Task A_first_leg_is_INCOMPLETE_without_counterpart_and_a_missing_order_is_null()
    {
        var orderId = Rows.NewId("po");
        var payment = Rows.NewId("tx");
        await api.SeedAsync(Rows.Entry(payment, "w-3", relatedId: orderId), Rows.IncompletePair(orderId, payment));

        using var response = await api.Reader().GetTracedAsync($"/admin/tx/{payment}");

        var pairing = response.Json.GetProperty("pairing");
        Assert.Equal("INCOMPLETE", pairing.GetProperty("status").GetString());
        Assert.Equal("WAITING_FOR_RECEIVE", pairing.GetProperty("reason").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, pairing.GetProperty("counterpart").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, response.Json.GetProperty("payment_order").ValueKind);
    }

    [Fact]
    public async Task An_entry_with_related_id_but_no_pair_row_is_UNKNOWN_with_PAIR_NOT_FOUND()
    {
        var txId = Rows.NewId("tx");
        await api.SeedAsync(Rows.Entry(txId, "w-4", relatedId: Rows.NewId("po")));

        using var response = await api.Reader().GetTracedAsync($"/admin/tx/{txId}");

        var pairing = response.Json.GetProperty("pairing");
        Assert.Equal("UNKNOWN", pairing.GetProperty("status").GetString());
        Assert.Equal("PAIR_NOT_FOUND", pairing.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Unknown_tx_id_returns_404_problem_with_code_and_trace_id()
    {
        using var response = await api.Reader().GetTracedAsync($"/admin/tx/{Rows.NewId("missing")}");

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("application/problem+json", response.MediaType);
        Assert.Equal("NOT_FOUND", response.Json.GetProperty("code").GetString());
        Assert.Equal(response.TraceId, response.Json.GetProperty("trace_id").GetString());
        Assert.Equal(404, response.Json.GetProperty("status").GetInt32());
    }
}
