using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Backoffice.Api.Telemetry;
using Backoffice.Tests.Api.Infrastructure;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.Api;

/// <summary>
/// Concurrent <c>GET /admin/tx/{tx_id}</c> lookups share queries (one query at a time and at most 8
/// ids each here, so sharing is certain): each caller still gets exactly its own entry, pairing and
/// order (or its own 404), its own audit row, and its trace still holds the query that answered it.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class SharedTxQueryTests(SharedTxQueryApiFixture api) : IClassFixture<SharedTxQueryApiFixture>
{
    [Fact]
    public async Task Concurrent_lookups_sharing_queries_each_get_their_own_entry_pairing_order_or_404_and_audit_row()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = RecordSpans(spans);

        // Twelve paid orders (both legs), six lone legs, and ids that match nothing.
        var expected = new Dictionary<string, (string Wallet, string? Counterpart, string? OrderId, decimal Amount)>();
        var rows = new List<object>();
        for (var i = 0; i < 12; i++)
        {
            var orderId = Rows.NewId("po");
            var payment = Rows.NewId("tx");
            var receive = Rows.NewId("tx");
            var amount = 100m + i;
            rows.Add(Rows.Entry(payment, $"w-pay-{i}", "PAYMENT", amount, relatedId: orderId));
            rows.Add(Rows.Entry(receive, $"w-rcv-{i}", "RECEIVE", amount, relatedId: orderId));
            rows.Add(Rows.CompletePair(orderId, payment, receive));
            rows.Add(Rows.Order(orderId, $"w-pay-{i}", $"w-rcv-{i}", amount: amount));
            expected[payment] = ($"w-pay-{i}", receive, orderId, amount);
            expected[receive] = ($"w-rcv-{i}", payment, orderId, amount);
        }

        for (var i = 0; i < 6; i++)
        {
            var lone = Rows.NewId("tx");
            rows.Add(Rows.Entry(lone, $"w-lone-{i}", amount: 7m + i));
            expected[lone] = ($"w-lone-{i}", null, null, 7m + i);
        }

        await api.SeedAsync([.. rows]);
        var missing = Enumerable.Range(0, 8).Select(_ => Rows.NewId("tx")).ToList();
        // Every known id twice, so some queries also carry the same id for two callers.
        var requested = expected.Keys.Concat(expected.Keys).Concat(missing).OrderBy(_ => Random.Shared.Next()).ToList();
        using var client = api.Reader();

        var responses = await Task.WhenAll(requested.Select(async id => (Id: id, Response: await client.GetTracedAsync($"/admin/tx/{id}"))));

        foreach (var (id, response) in responses)
        {
            if (!expected.TryGetValue(id, out var entry))
            {
                Assert.Equal(HttpStatusCode.NotFound, response.Status);
                Assert.Contains(id, response.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
                continue;
            }

            Assert.Equal(HttpStatusCode.OK, response.Status);
            var body = response.Json;
            Assert.Equal(id, body.GetProperty("tx_id").GetString());
            Assert.Equal(entry.Wallet, body.GetProperty("wallet_id").GetString());
            Assert.Equal(entry.Amount.ToString("0.00000000", System.Globalization.CultureInfo.InvariantCulture), body.GetProperty("amount").GetString());
            var pairing = body.GetProperty("pairing");
            if (entry.Counterpart is null)
            {
                Assert.Equal("UNKNOWN", pairing.GetProperty("status").GetString());
                Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("payment_order").ValueKind);
            }
            else
            {
                Assert.Equal("COMPLETE", pairing.GetProperty("status").GetString());
                Assert.Equal(entry.Counterpart, pairing.GetProperty("counterpart").GetProperty("tx_id").GetString());
                Assert.Equal(entry.OrderId, body.GetProperty("payment_order").GetProperty("order_id").GetString());
            }
        }

        foreach (var (id, response) in responses)
        {
            var audit = Assert.Single(await api.AuditRowsAsync(response.TraceId));
            Assert.Equal(id, audit.ResourceId);
            Assert.Equal((int)response.Status, audit.StatusCode);
            Assert.Equal(expected.ContainsKey(id) ? 1 : 0, audit.ResultCount);
        }

        // Queries were shared, and each caller's trace holds the query that answered it: as its
        // parent (the first caller of a query) or through a link (the others). A query's span ends
        // just after its callers are released.
        await Eventually.Holds(() =>
        {
            var queries = spans.Where(span => span.OperationName == "GET_TX query").ToList();
            Assert.Contains(queries, query => (int)query.GetTagItem("bo.batch_size")! > 1);
            Assert.True(queries.Sum(query => (int)query.GetTagItem("bo.batch_size")!) >= requested.Count);
            var answered = queries.Select(query => query.TraceId.ToHexString())
                .Concat(queries.SelectMany(query => query.Links).Select(link => link.Context.TraceId.ToHexString()))
                .ToHashSet(StringComparer.Ordinal);
            Assert.All(responses, response => Assert.Contains(response.Response.TraceId, answered));
        });

        foreach (var (_, response) in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task A_lone_lookup_runs_its_query_inside_its_own_trace()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = RecordSpans(spans);
        var txId = Rows.NewId("tx");
        await api.SeedAsync(Rows.Entry(txId, Rows.NewId("w")));

        using var response = await api.Reader().GetTracedAsync($"/admin/tx/{txId}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        // Both spans may end just after the response is written.
        Activity request = null!, query = null!;
        await Eventually.Holds(() =>
        {
            request = Assert.Single(spans, span => span.Source.Name == "Microsoft.AspNetCore" && span.TraceId.ToHexString() == response.TraceId);
            query = Assert.Single(spans, span => span.OperationName == "GET_TX query" && span.TraceId.ToHexString() == response.TraceId);
        });
        Assert.Equal(request.SpanId, query.ParentSpanId);
        Assert.Equal(1, query.GetTagItem("bo.batch_size"));
    }

    /// <summary>Records the request spans and the API's own spans (the shared queries) until disposed.</summary>
    private static ActivityListener RecordSpans(ConcurrentBag<Activity> spans)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is ApiTracing.SourceName or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}

/// <summary>The API with one transaction-lookup query at a time, of at most 8 ids.</summary>
public sealed class SharedTxQueryApiFixture(PostgresServerFixture server) : ApiFixture(server)
{
    protected override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Lookups:TxBatchConcurrency"] = "1";
        settings["Lookups:TxBatchSize"] = "8";
        return settings;
    }
}
