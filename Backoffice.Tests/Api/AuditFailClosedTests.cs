using System.Net;
using Backoffice.Tests.Api.Infrastructure;
using Npgsql;

namespace Backoffice.Tests.Api;

/// <summary>When the audit row cannot be committed the lookup answers 503 and shows nothing.</summary>
[Collection(ApiTestGroup.Name)]
public sealed class AuditFailClosedTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_lookup_whose_audit_insert_fails_answers_503_without_data_and_recovers_after()
    {
        var txId = Rows.NewId("tx");
        // A decimal point: a bare "4242" turns up in a random trace id about once in a thousand runs.
        await api.SeedAsync(Rows.Entry(txId, "w-secret-wallet", amount: 4242.17m));
        using var client = api.Reader();

        await ExecuteAsync("ALTER TABLE bo.admin_audit_logs ADD CONSTRAINT ck_test_audit_refused CHECK (false) NOT VALID");
        try
        {
            foreach (var path in new[] { $"/admin/tx/{txId}", $"/admin/tx/{Rows.NewId("tx")}", "/admin/tx/bad%24id", "/admin/wallets/w-secret-wallet/tx" })
            {
                using var response = await client.GetTracedAsync(path);

                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.Status);
                Assert.Equal("application/problem+json", response.MediaType);
                Assert.Equal("AUDIT_UNAVAILABLE", response.Json.GetProperty("code").GetString());
                Assert.Equal(response.TraceId, response.Json.GetProperty("trace_id").GetString());
                Assert.DoesNotContain("4242.17", response.Body, StringComparison.Ordinal);
                Assert.DoesNotContain("items", response.Body, StringComparison.Ordinal);
                Assert.False(response.Json.TryGetProperty("wallet_id", out _));
                Assert.Empty(await api.AuditRowsAsync(response.TraceId));
            }

            Assert.Contains(api.App.Logs.Records, record => record.EventId.Id == 4300);
            Assert.True(await api.WaitForMetricAsync(1, "db_queries_total", ("query", "insert_audit"), ("outcome", "error")) >= 1);
            Assert.True(await api.WaitForMetricAsync(3, "api_requests_total", ("route", "/admin/tx/{tx_id}"), ("status_code", "503")) >= 3);
        }
        finally
        {
            await ExecuteAsync("ALTER TABLE bo.admin_audit_logs DROP CONSTRAINT ck_test_audit_refused");
        }

        using var recovered = await client.GetTracedAsync($"/admin/tx/{txId}");
        Assert.Equal(HttpStatusCode.OK, recovered.Status);
        Assert.Single(await api.AuditRowsAsync(recovered.TraceId));
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(api.ConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
