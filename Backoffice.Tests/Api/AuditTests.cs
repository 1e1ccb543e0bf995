using System.Net;
using System.Text.Json;
using Backoffice.Data.Audit;
using Backoffice.Tests.Api.Infrastructure;
using Npgsql;

namespace Backoffice.Tests.Api;

/// <summary>Every request that reaches a lookup handler leaves exactly one complete audit row, committed before the answer.</summary>
[Collection(ApiTestGroup.Name)]
public sealed class AuditTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_found_transaction_is_audited_with_every_field()
    {
        var txId = Rows.NewId("tx");
        await api.SeedAsync(Rows.Entry(txId, "w-audit"));
        using var client = api.ClientWithToken(api.Issuer.CreateToken(["ADMIN_READ", "OTHER"]));
        client.DefaultRequestHeaders.UserAgent.ParseAdd("AuditTests/1.0");
        var before = DateTimeOffset.UtcNow;

        using var response = await client.GetTracedAsync($"/admin/tx/{txId}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var row = Assert.Single(await api.AuditRowsAsync(response.TraceId));
        Assert.InRange(row.OccurredAt, before.AddSeconds(-1), DateTimeOffset.UtcNow);
        Assert.Equal("oid-1", row.ActorId);
        Assert.Equal("alice@example.test", row.ActorName);
        Assert.Equal(["ADMIN_READ", "OTHER"], row.ActorRoles);
        Assert.Equal("oidc", row.AuthMode);
        Assert.Equal("GET_TX", row.Action);
        Assert.Equal("/admin/tx/{tx_id}", row.Route);
        Assert.Equal("TX", row.ResourceType);
        Assert.Equal(txId, row.ResourceId);
        Assert.Null(row.Query);
        Assert.Equal(AuditResults.Found, row.Result);
        Assert.Equal(200, row.StatusCode);
        Assert.InRange(row.DurationMs, 0.001, 10_000);
        Assert.Equal(1, row.ResultCount);
        Assert.Equal(response.TraceId, row.TraceId);
        Assert.Equal(IPAddress.Loopback, row.ClientIp);
        Assert.Equal("AuditTests/1.0", row.UserAgent);
    }

    [Fact]
    public async Task Without_oid_the_actor_is_the_subject_and_without_username_the_name_is_null()
    {
        using var client = api.ClientWithToken(api.Issuer.CreateToken(["ADMIN_AUDIT"], subject: "sub-42", objectId: null, preferredUsername: null));

        using var response = await client.GetTracedAsync($"/admin/tx/{Rows.NewId("tx")}");

        var row = Assert.Single(await api.AuditRowsAsync(response.TraceId));
        Assert.Equal("sub-42", row.ActorId);
        Assert.Null(row.ActorName);
        Assert.Equal(["ADMIN_AUDIT"], row.ActorRoles);
    }

    [Fact]
    public async Task A_missing_payment_order_is_audited_as_NOT_FOUND_with_no_result()
    {
        var orderId = Rows.NewId("po");

        using var response = await api.Reader().GetTracedAsync($"/admin/payment-orders/{orderId}");

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        var row = Assert.Single(await api.AuditRowsAsync(response.TraceId));
        Assert.Equal("GET_PAYMENT_ORDER", row.Action);
        Assert.Equal("/admin/payment-orders/{order_id}", row.Route);
        Assert.Equal("PAYMENT_ORDER", row.ResourceType);
        Assert.Equal(orderId, row.ResourceId);
        Assert.Equal(AuditResults.NotFound, row.Result);
        Assert.Equal(404, row.StatusCode);
        Assert.Equal(0, row.ResultCount);
    }

    [Fact]
    public async Task An_invalid_id_is_audited_as_INVALID_with_the_raw_id_cut_and_made_printable()
    {
        var raw = "bad%01id" + new string('x', 300);

        using var response = await api.Reader().GetTracedAsync($"/admin/tx/{raw}");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        var row = Assert.Single(await api.AuditRowsAsync(response.TraceId));
        Assert.Equal(AuditResults.Invalid, row.Result);
        Assert.Equal(400, row.StatusCode);
        Assert.Equal(0, row.ResultCount);
        Assert.Equal(128, row.ResourceId.Length);
        Assert.StartsWith("bad\uFFFDid", row.ResourceId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wallet_listing_is_audited_with_its_parameters_and_item_count()
    {
        var wallet = Rows.NewId("w");
        await api.SeedAsync(
            Rows.Entry($"{wallet}.1", wallet), Rows.Entry($"{wallet}.2", wallet), Rows.Entry($"{wallet}.3", wallet, "RECEIVE"));
        using var client = api.Reader();

        using var page = await client.GetTracedAsync($"/admin/wallets/{wallet}/tx?limit=5&entry_type=PAYMENT&unknown=x");
        using var invalid = await client.GetTracedAsync($"/admin/wallets/{wallet}/tx?limit=abc");

        var listed = Assert.Single(await api.AuditRowsAsync(page.TraceId));
        Assert.Equal("LIST_WALLET_TX", listed.Action);
        Assert.Equal("/admin/wallets/{wallet_id}/tx", listed.Route);
        Assert.Equal("WALLET", listed.ResourceType);
        Assert.Equal(wallet, listed.ResourceId);
        Assert.Equal(AuditResults.Found, listed.Result);
        Assert.Equal(2, listed.ResultCount);
        Assert.Equal(
            new Dictionary<string, string> { ["limit"] = "5", ["entry_type"] = "PAYMENT" },
            JsonSerializer.Deserialize<Dictionary<string, string>>(listed.Query!));

        var rejected = Assert.Single(await api.AuditRowsAsync(invalid.TraceId));
        Assert.Equal(AuditResults.Invalid, rejected.Result);
        Assert.Equal(400, rejected.StatusCode);
        Assert.Equal(0, rejected.ResultCount);
        Assert.Equal("abc", JsonSerializer.Deserialize<Dictionary<string, string>>(rejected.Query!)!["limit"]);
    }

    [Fact]
    public async Task Concurrent_lookups_share_commits_and_every_one_keeps_its_row()
    {
        var txId = Rows.NewId("tx");
        await api.SeedAsync(Rows.Entry(txId, "w-audit"));
        using var client = api.Reader();
        var insertsBefore = await api.WaitForMetricAsync(0, "db_queries_total", ("query", "insert_audit"));

        // Hold the audit table so the lookups pile up behind the first INSERT, then let them go.
        await using var blocker = await NpgsqlDataSource.Create(api.ConnectionString).OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var transaction = await blocker.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE bo.admin_audit_logs IN EXCLUSIVE MODE", blocker, transaction))
        {
            await lockTable.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var lookups = Enumerable.Range(0, 40).Select(_ => client.GetTracedAsync($"/admin/tx/{txId}")).ToList();
        await Task.Delay(TimeSpan.FromMilliseconds(1000), TestContext.Current.CancellationToken);
        Assert.All(lookups, lookup => Assert.False(lookup.IsCompleted, "a lookup answered before its audit row was committed"));
        await transaction.RollbackAsync(TestContext.Current.CancellationToken);
        var responses = await Task.WhenAll(lookups);

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.Status));
        foreach (var response in responses)
        {
            Assert.Single(await api.AuditRowsAsync(response.TraceId));
            response.Dispose();
        }

        var inserts = await api.WaitForMetricAsync(insertsBefore + 2, "db_queries_total", ("query", "insert_audit")) - insertsBefore;
        Assert.True(inserts is >= 2 and <= 20, $"{inserts} INSERTs for 40 rows (before: {insertsBefore})");
    }

    [Fact]
    public async Task A_row_written_after_a_larger_batch_keeps_only_its_own_values()
    {
        var txId = Rows.NewId("tx");
        await api.SeedAsync(Rows.Entry(txId, "w-audit"));
        var batch = Enumerable.Range(0, 12).Select(i =>
        {
            var client = api.ClientWithToken(api.Issuer.CreateToken(["ADMIN_READ", $"EXTRA_{i}"], objectId: $"oid-batch-{i}"));
            client.DefaultRequestHeaders.UserAgent.ParseAdd($"AuditBatch/{i}");
            return client;
        }).ToList();

        // Twelve rows with every field set, committed in few INSERTs (the audit table is held meanwhile)...
        await using (var blocker = await NpgsqlDataSource.Create(api.ConnectionString).OpenConnectionAsync(TestContext.Current.CancellationToken))
        {
            await using var transaction = await blocker.BeginTransactionAsync(TestContext.Current.CancellationToken);
            await using (var lockTable = new NpgsqlCommand("LOCK TABLE bo.admin_audit_logs IN EXCLUSIVE MODE", blocker, transaction))
            {
                await lockTable.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }

            var lookups = batch.Select(client => client.GetTracedAsync($"/admin/tx/{txId}")).ToList();
            await Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
            await transaction.RollbackAsync(TestContext.Current.CancellationToken);
            var responses = await Task.WhenAll(lookups);
            for (var i = 0; i < responses.Length; i++)
            {
                var row = Assert.Single(await api.AuditRowsAsync(responses[i].TraceId));
                Assert.Equal($"oid-batch-{i}", row.ActorId);
                Assert.Equal(["ADMIN_READ", $"EXTRA_{i}"], row.ActorRoles);
                Assert.Equal($"AuditBatch/{i}", row.UserAgent);
                Assert.Equal(txId, row.ResourceId);
                responses[i].Dispose();
            }
        }

        // ...then one row with no name, no user agent and another outcome: the writer reuses its
        // parameters from batch to batch, and nothing of the rows before may show in it.
        using var bare = api.ClientWithToken(api.Issuer.CreateToken(["ADMIN_AUDIT"], subject: "sub-bare", objectId: null, preferredUsername: null));
        var missing = Rows.NewId("tx");
        using var response = await bare.GetTracedAsync($"/admin/tx/{missing}");

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        var bareRow = Assert.Single(await api.AuditRowsAsync(response.TraceId));
        Assert.Equal("sub-bare", bareRow.ActorId);
        Assert.Null(bareRow.ActorName);
        Assert.Equal(["ADMIN_AUDIT"], bareRow.ActorRoles);
        Assert.Null(bareRow.UserAgent);
        Assert.Null(bareRow.Query);
        Assert.Equal(missing, bareRow.ResourceId);
        Assert.Equal(AuditResults.NotFound, bareRow.Result);
        Assert.Equal(404, bareRow.StatusCode);
        Assert.Equal(0, bareRow.ResultCount);
        foreach (var client in batch)
        {
            client.Dispose();
        }
    }
}
