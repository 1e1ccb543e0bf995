using System.Diagnostics;
using System.Net;
using Backoffice.Tests.Api.Infrastructure;
using Backoffice.Tests.Infrastructure;
using Npgsql;

namespace Backoffice.Tests.Api;

/// <summary>
/// <c>Database:CommandTimeout</c> (1 s here) with a pool of 4 connections: lookups stuck behind a
/// lock answer 503 <c>DATABASE_TIMEOUT</c>, audited, within a bounded time, and release their
/// connections, so lookups that do not touch the locked table keep being served.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class QueryTimeoutTests(SmallPoolApiFixture api) : IClassFixture<SmallPoolApiFixture>
{
    [Fact]
    public async Task Lookups_stuck_behind_a_lock_time_out_as_audited_503s_and_other_lookups_are_still_served()
    {
        var txId = Rows.NewId("tx");
        var orderId = Rows.NewId("po");
        var wallet = Rows.NewId("w");
        await api.SeedAsync(
            Rows.Entry(txId, Rows.NewId("w"), amount: 4711.5m, relatedId: orderId),
            Rows.Order(orderId, "w-payer", "w-payee", amount: 4711.5m),
            Rows.Entry(Rows.NewId("tx"), wallet), Rows.Entry(Rows.NewId("tx"), wallet));
        var timeoutsBefore = await api.WaitForMetricAsync(0, "db_queries_total", ("query", "get_tx"), ("outcome", "timeout"));
        using var client = api.Reader();

        // The transaction lookup joins payment_orders; the wallet listing does not.
        await using var holder = new NpgsqlConnection(api.ConnectionString);
        await holder.OpenAsync(TestContext.Current.CancellationToken);
        await using var transaction = await holder.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE bo.payment_orders IN ACCESS EXCLUSIVE MODE", holder, transaction))
        {
            await lockTable.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var stopwatch = Stopwatch.StartNew();
        var stuck = Enumerable.Range(0, 2 * SmallPoolApiFixture.PoolSize).Select(_ => client.GetTracedAsync($"/admin/tx/{txId}")).ToList();
        await Task.Delay(100, TestContext.Current.CancellationToken);
        var free = Enumerable.Range(0, 3).Select(_ => client.GetTracedAsync($"/admin/wallets/{wallet}/tx")).ToList();
        var timedOut = await Task.WhenAll(stuck);
        var served = await Task.WhenAll(free);
        var elapsed = stopwatch.Elapsed;

        await transaction.RollbackAsync(TestContext.Current.CancellationToken);
        using var afterwards = await client.GetTracedAsync($"/admin/tx/{txId}");

        Assert.All(timedOut, response =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.Status);
            Assert.Equal("application/problem+json", response.MediaType);
            Assert.Equal("DATABASE_TIMEOUT", response.Json.GetProperty("code").GetString());
            Assert.Equal(response.TraceId, response.Json.GetProperty("trace_id").GetString());
            Assert.DoesNotContain("4711.5", response.Body, StringComparison.Ordinal);
        });
        Assert.All(served, response =>
        {
            Assert.Equal(HttpStatusCode.OK, response.Status);
            Assert.Equal(2, response.Json.GetProperty("items").GetArrayLength());
        });
        // Two waves of 1 s timeouts through four connections, not the pool's 15 s wait for a connection.
        Assert.True(elapsed < TimeSpan.FromSeconds(8), $"took {elapsed}");
        Assert.Equal(HttpStatusCode.OK, afterwards.Status);

        foreach (var response in timedOut)
        {
            var row = Assert.Single(await api.AuditRowsAsync(response.TraceId));
            Assert.Equal("TIMEOUT", row.Result);
            Assert.Equal(503, row.StatusCode);
            Assert.Equal(0, row.ResultCount);
            Assert.Equal(txId, row.ResourceId);
            Assert.True(row.DurationMs >= 900, $"audited duration {row.DurationMs} ms");
        }

        Assert.True(await api.WaitForMetricAsync(timeoutsBefore + timedOut.Length, "db_queries_total",
            ("query", "get_tx"), ("outcome", "timeout")) >= timeoutsBefore + timedOut.Length);
        Assert.True(await api.WaitForMetricAsync(timedOut.Length, "api_requests_total",
            ("route", "/admin/tx/{tx_id}"), ("status_code", "503")) >= timedOut.Length);
        Assert.Contains(api.App.Logs.Records, record => record.EventId.Id == 4030);

        foreach (var response in timedOut.Concat(served))
        {
            response.Dispose();
        }
    }
}

/// <summary>The API with a 1 s command timeout and a pool of <see cref="PoolSize"/> connections.</summary>
public sealed class SmallPoolApiFixture(PostgresServerFixture server) : ApiFixture(server)
{
    public const int PoolSize = 4;

    protected override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Database:MaxPoolSize"] = PoolSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Database:WarmUpConnections"] = PoolSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Database:CommandTimeout"] = "1";
        return settings;
    }
}
