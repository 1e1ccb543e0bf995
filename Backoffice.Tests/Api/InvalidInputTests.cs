using System.Net;
using System.Text.Json;
using Backoffice.Tests.Api.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace Backoffice.Tests.Api;

/// <summary>
/// Every malformed id or parameter is a 400 problem naming it, with <c>code</c> and <c>trace_id</c>;
/// unknown routes and methods are problems too; nothing here is ever a 500.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class InvalidInputTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly string Long129 = new('a', 129);

    public static TheoryData<string, string> InvalidIds => new()
    {
        { "/admin/tx/%20", "tx_id" },
        { "/admin/tx/%09", "tx_id" },
        { $"/admin/tx/{Long129}", "tx_id" },
        { "/admin/tx/a%2Fb", "tx_id" },
        { "/admin/tx/a%5Cb", "tx_id" },
        { "/admin/tx/tx%241", "tx_id" },
        { "/admin/tx/tx%C3%A9", "tx_id" },
        { "/admin/tx/%27%20OR%20%271%27%3D%271", "tx_id" },
        { "/admin/tx/%7B%22a%22%3A1%7D", "tx_id" },
        { "/admin/payment-orders/po%2F1", "order_id" },
        { $"/admin/payment-orders/{Long129}", "order_id" },
        { "/admin/wallets/w%20x/tx", "wallet_id" },
        { $"/admin/wallets/{Long129}/tx", "wallet_id" },
    };

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public async Task An_invalid_path_id_is_400_INVALID_ID_naming_the_parameter(string path, string parameter)
    {
        using var response = await api.Reader().GetTracedAsync(path);

        AssertProblem(response, HttpStatusCode.BadRequest, "INVALID_ID");
        Assert.Equal(parameter, response.Json.GetProperty("parameter").GetString());
        Assert.True(response.Json.GetProperty("errors").TryGetProperty(parameter, out _));
    }

    [Fact]
    public async Task An_id_of_exactly_128_allowed_characters_is_looked_up()
    {
        using var response = await api.Reader().GetTracedAsync($"/admin/tx/{new string('A', 119)}._:@-0123");

        AssertProblem(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    public static TheoryData<string, string> InvalidParameters => new()
    {
        { "limit=0", "limit" },
        { "limit=201", "limit" },
        { "limit=abc", "limit" },
        { "limit=-1", "limit" },
        { "limit=", "limit" },
        { "limit=1.5", "limit" },
        { "limit=99999999999999999999", "limit" },
        { "limit=1&limit=2", "limit" },
        { "from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z", "from" },
        { "from=2026-11-25", "from" },
        { "from=2026-11-25T01:02:03", "from" },
        { "from=not-a-time", "from" },
        { "from=2026-13-01T00:00:00Z", "from" },
        { "from=2026-11-25T24:00:00Z", "from" },
        { "to=2026-11-25T01:02:03.123456789Z", "to" },
        { "to=2026-11-25T01:02:03%2B0900", "to" },
        { "entry_type=payment", "entry_type" },
        { "entry_type=DEBIT", "entry_type" },
        { "entry_type=", "entry_type" },
        { "cursor=", "cursor" },
        { "cursor=!!!", "cursor" },
        { "cursor=abc", "cursor" },
        { "cursor=%00", "cursor" },
    };

    [Theory]
    [MemberData(nameof(InvalidParameters))]
    public async Task An_invalid_list_parameter_is_400_INVALID_PARAMETER_naming_it(string query, string parameter)
    {
        using var response = await api.Reader().GetTracedAsync($"/admin/wallets/w-1/tx?{query}");

        AssertProblem(response, HttpStatusCode.BadRequest, "INVALID_PARAMETER");
        Assert.Equal(parameter, response.Json.GetProperty("parameter").GetString());
        Assert.True(response.Json.GetProperty("errors").TryGetProperty(parameter, out _));
    }

    [Fact]
    public async Task A_cursor_is_only_accepted_for_its_own_wallet_and_filters_and_unaltered()
    {
        var wallet = Rows.NewId("w");
        await api.SeedAsync(
            Rows.Entry(Rows.NewId("tx"), wallet), Rows.Entry(Rows.NewId("tx"), wallet), Rows.Entry(Rows.NewId("tx"), wallet));
        using var client = api.Reader();
        using var first = await client.GetTracedAsync($"/admin/wallets/{wallet}/tx?limit=1");
        var cursor = first.Json.GetProperty("next_cursor").GetString()!;
        var bytes = WebEncoders.Base64UrlDecode(cursor);
        bytes[^1] ^= 0x01;
        var altered = WebEncoders.Base64UrlEncode(bytes);
        // A well-formed cursor made by hand: version 1, no timestamp, tx_id "tx-1", a zero tag.
        var forged = WebEncoders.Base64UrlEncode([1, 0, 0, 4, (byte)'t', (byte)'x', (byte)'-', (byte)'1', .. new byte[16]]);

        string[] rejected =
        [
            $"/admin/wallets/{Rows.NewId("w")}/tx?limit=1&cursor={cursor}",
            $"/admin/wallets/{wallet}/tx?limit=1&entry_type=PAYMENT&cursor={cursor}",
            $"/admin/wallets/{wallet}/tx?limit=1&from=2020-01-01T00:00:00Z&cursor={cursor}",
            $"/admin/wallets/{wallet}/tx?limit=1&cursor={altered}",
            $"/admin/wallets/{wallet}/tx?limit=1&cursor={cursor[..^3]}",
            $"/admin/wallets/{wallet}/tx?limit=1&cursor={forged}",
            $"/admin/wallets/{wallet}/tx?limit=1&cursor={cursor}{cursor}",
            $"/admin/wallets/{wallet}/tx?limit=1&cursor={new string('A', 2000)}",
        ];
        foreach (var path in rejected)
        {
            using var response = await client.GetTracedAsync(path);
            AssertProblem(response, HttpStatusCode.BadRequest, "INVALID_PARAMETER");
            Assert.Equal("cursor", response.Json.GetProperty("parameter").GetString());
        }

        // The same cursor with the same wallet and filters is fine, and so is another page size.
        using var second = await client.GetTracedAsync($"/admin/wallets/{wallet}/tx?limit=2&cursor={cursor}");
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(2, second.Json.GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("/admin/nope")]
    [InlineData("/admin/tx/")]
    [InlineData("/admin/wallets//tx")]
    [InlineData("/nothing-here")]
    public async Task An_unknown_route_is_a_404_problem(string path)
    {
        using var response = await api.Reader().GetTracedAsync(path);

        AssertProblem(response, HttpStatusCode.NotFound, "ROUTE_NOT_FOUND");
    }

    [Fact]
    public async Task A_wrong_method_is_a_405_problem_even_for_a_client_asking_for_html()
    {
        using var client = api.Reader();
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        using var response = await client.SendTracedAsync(HttpMethod.Post, "/admin/tx/tx-1");

        AssertProblem(response, HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED");
    }

    private static void AssertProblem(TracedResponse response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.Status);
        Assert.Equal("application/problem+json", response.MediaType);
        var problem = response.Json;
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Equal(response.TraceId, problem.GetProperty("trace_id").GetString());
        Assert.Equal(JsonValueKind.String, problem.GetProperty("title").ValueKind);
    }
}
