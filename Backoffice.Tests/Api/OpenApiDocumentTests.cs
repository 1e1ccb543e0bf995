using System.Net;
using System.Text.Json;
using Backoffice.Tests.Api.Infrastructure;

namespace Backoffice.Tests.Api;

/// <summary>The served OpenAPI document describes every lookup, parameter, response and the bearer scheme.</summary>
[Collection(ApiTestGroup.Name)]
public sealed class OpenApiDocumentTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task The_document_describes_every_lookup_with_its_parameters_responses_and_security()
    {
        using var response = await api.AnonymousClient().GetTracedAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var document = response.Json;
        var paths = document.GetProperty("paths");
        var tx = paths.GetProperty("/admin/tx/{tx_id}").GetProperty("get");
        var order = paths.GetProperty("/admin/payment-orders/{order_id}").GetProperty("get");
        var wallet = paths.GetProperty("/admin/wallets/{wallet_id}/tx").GetProperty("get");

        AssertResponses(tx, "200", "400", "401", "403", "404", "429", "503");
        AssertResponses(order, "200", "400", "401", "403", "404", "429", "503");
        AssertResponses(wallet, "200", "400", "401", "403", "429", "503");
        foreach (var operation in new[] { tx, order, wallet })
        {
            Assert.True(operation.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("application/json", out _));
            foreach (var error in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name != "200"))
            {
                var content = error.Value.GetProperty("content");
                Assert.Equal(["application/problem+json"], content.EnumerateObject().Select(c => c.Name));
            }

            Assert.True(operation.GetProperty("security")[0].TryGetProperty("Bearer", out _));
            var tooMany = operation.GetProperty("responses").GetProperty("429");
            Assert.Contains("RATE_LIMITED", tooMany.GetProperty("description").GetString(), StringComparison.Ordinal);
            Assert.Equal("integer", tooMany.GetProperty("headers").GetProperty("Retry-After").GetProperty("schema").GetProperty("type").GetString());
            Assert.Contains("DATABASE_TIMEOUT", operation.GetProperty("responses").GetProperty("503").GetProperty("description").GetString(),
                StringComparison.Ordinal);
        }

        var txId = Parameter(tx, "tx_id");
        Assert.Equal("path", txId.GetProperty("in").GetString());
        Assert.Equal(128, txId.GetProperty("schema").GetProperty("maxLength").GetInt32());
        Assert.Equal("^[A-Za-z0-9._:@-]{1,128}$", txId.GetProperty("schema").GetProperty("pattern").GetString());

        var limit = Parameter(wallet, "limit").GetProperty("schema");
        Assert.Equal("integer", limit.GetProperty("type").GetString());
        Assert.Equal(1, limit.GetProperty("minimum").GetInt32());
        Assert.Equal(200, limit.GetProperty("maximum").GetInt32());
        Assert.Equal(50, limit.GetProperty("default").GetInt32());
        Assert.Equal("date-time", Parameter(wallet, "from").GetProperty("schema").GetProperty("format").GetString());
        Assert.Equal("date-time", Parameter(wallet, "to").GetProperty("schema").GetProperty("format").GetString());
        Assert.Equal(["PAYMENT", "RECEIVE"],
            Parameter(wallet, "entry_type").GetProperty("schema").GetProperty("enum").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("string", Parameter(wallet, "cursor").GetProperty("schema").GetProperty("type").GetString());

        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());
        Assert.Equal("JWT", bearer.GetProperty("bearerFormat").GetString());

        var schemas = document.GetProperty("components").GetProperty("schemas");
        var problem = schemas.GetProperty("ProblemDetails").GetProperty("properties");
        foreach (var member in new[] { "code", "trace_id", "errors", "parameter", "status", "title", "detail" })
        {
            Assert.True(problem.TryGetProperty(member, out _), $"ProblemDetails lacks {member}");
        }

        var transaction = schemas.GetProperty("TransactionResponse").GetProperty("properties");
        Assert.Contains("string", TypeOf(transaction.GetProperty("amount")));
        Assert.True(transaction.TryGetProperty("payment_order", out _));
        Assert.True(transaction.TryGetProperty("pairing", out _));
        Assert.True(schemas.GetProperty("WalletTransactionsPage").GetProperty("properties").TryGetProperty("next_cursor", out _));
    }

    [Fact]
    public async Task The_reference_ui_is_served_in_development()
    {
        using var response = await api.AnonymousClient().GetTracedAsync("/scalar/v1");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("text/html", response.MediaType);
    }

    private static void AssertResponses(JsonElement operation, params string[] statuses) =>
        Assert.Equal(statuses.Order(), operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order());

    private static JsonElement Parameter(JsonElement operation, string name) =>
        operation.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);

    private static IEnumerable<string?> TypeOf(JsonElement schema) =>
        schema.GetProperty("type").ValueKind == JsonValueKind.Array
            ? schema.GetProperty("type").EnumerateArray().Select(t => t.GetString())
            : [schema.GetProperty("type").GetString()];
}
