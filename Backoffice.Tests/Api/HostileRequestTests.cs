using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Backoffice.Data;
using Backoffice.Tests.Api.Infrastructure;
using Backoffice.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Tests.Api;

/// <summary>
/// Hostile HTTP against the API with its shipped limits, by an authorised reader: over-long,
/// non-ASCII and encoded-separator ids, injection strings, absurd parameters, forged cursors,
/// oversized and malformed requests, wrong methods. Each is refused with the right 4xx (or, for
/// the valid edge cases, served), never a 5xx, as a problem where the application answers, and
/// none shows a byte of the seeded victim's data.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class HostileRequestTests(VictimApiFixture api) : IClassFixture<VictimApiFixture>
{
    /// <summary>Strings of the victim's data no hostile request contains: seeing one in a response is a leak.</summary>
    private static readonly string[] VictimMarkers = ["987654", "tx-victim-2", "w-payee-secret", "po-victim"];

    private const string Victim = "/admin/tx/tx-victim-1";
    private const string VictimWallet = "/admin/wallets/w-victim/tx";
    // A wallet without entries: a valid edge-case parameter lists nothing.
    private const string EmptyWallet = "/admin/wallets/w-empty/tx";

    private static readonly Dictionary<string, Hostile> Cases = new(StringComparer.Ordinal)
    {
        // Ids: length, alphabet, encoded separators, injection.
        ["id of 129 characters"] = Hostile.Get($"/admin/tx/{new string('a', 129)}", 400, "INVALID_ID"),
        ["id of 10,000 characters (request line beyond Limits:MaxRequestLineSize)"] = Hostile.Kestrel($"/admin/tx/{new string('a', 10_000)}", 414),
        ["Hangul id"] = Hostile.Get("/admin/tx/%ED%95%9C%EA%B8%80", 400, "INVALID_ID"),
        ["emoji id"] = Hostile.Get("/admin/tx/tx-%F0%9F%92%B8", 400, "INVALID_ID"),
        ["right-to-left override in id"] = Hostile.Get("/admin/tx/tx-victim-1%E2%80%AE", 400, "INVALID_ID"),
        ["encoded slash traversal"] = Hostile.Get("/admin/tx/tx-victim-1%2F..%2F..%2Fwallets%2Fw-victim%2Ftx", 400, "INVALID_ID"),
        ["encoded backslash traversal"] = Hostile.Get("/admin/tx/..%5C..%5Cwallets%5Cw-victim", 400, "INVALID_ID"),
        ["encoded ../ sequence"] = Hostile.Get("/admin/tx/%2e%2e%2f%2e%2e%2fwallets%2fw-victim%2ftx", 400, "INVALID_ID"),
        ["encoded dot segments leaving /admin"] = Hostile.Get("/admin/tx/%2e%2e/%2e%2e/wallets/w-victim/tx", 404, "ROUTE_NOT_FOUND"),
        ["double-encoded slash"] = Hostile.Get("/admin/tx/tx-victim-1%252F..%252Fw-victim", 400, "INVALID_ID"),
        ["double-encoded ../"] = Hostile.Get("/admin/tx/%252e%252e%252f", 400, "INVALID_ID"),
        ["overlong UTF-8 ../"] = Hostile.Get("/admin/tx/%C0%AE%C0%AE%C0%AF", 400, "INVALID_ID"),
        ["NUL in id (Kestrel refuses an encoded NUL)"] = Hostile.Kestrel("/admin/tx/tx-victim-1%00", 400),
        ["CR LF header injection in id"] = Hostile.Get("/admin/tx/tx-victim-1%0d%0aSet-Cookie:%20injected=1", 400, "INVALID_ID"),
        ["malformed percent-encoding in id"] = Hostile.Get("/admin/tx/tx%ZZ", 400, "INVALID_ID"),
        ["SQL OR 1=1 as tx id"] = Hostile.Get("/admin/tx/%27%20OR%201%3D1%20--", 400, "INVALID_ID"),
        ["SQL DROP TABLE as tx id"] = Hostile.Get("/admin/tx/%27%3B%20DROP%20TABLE%20bo.ledger_entries%3B%20--", 400, "INVALID_ID"),
        ["SQL UNION as order id"] = Hostile.Get("/admin/payment-orders/x%27%20UNION%20SELECT%20*%20FROM%20bo.payment_orders--", 400, "INVALID_ID"),
        ["SQL OR as wallet id"] = Hostile.Get("/admin/wallets/w-victim%27%20OR%20%271%27%3D%271/tx", 400, "INVALID_ID"),
        ["JSON operator as id"] = Hostile.Get("/admin/tx/%7B%22%24ne%22%3Anull%7D", 400, "INVALID_ID"),

        // List parameters against the victim's own wallet: any accepted garbage would list its rows.
        ["limit of a million"] = Hostile.Get($"{VictimWallet}?limit=1000000", 400, "INVALID_PARAMETER"),
        ["negative limit"] = Hostile.Get($"{VictimWallet}?limit=-1", 400, "INVALID_PARAMETER"),
        ["non-numeric limit"] = Hostile.Get($"{VictimWallet}?limit=ten", 400, "INVALID_PARAMETER"),
        ["fractional limit"] = Hostile.Get($"{VictimWallet}?limit=10.5", 400, "INVALID_PARAMETER"),
        ["limit beyond Int64"] = Hostile.Get($"{VictimWallet}?limit=99999999999999999999999999", 400, "INVALID_PARAMETER"),
        ["hexadecimal limit"] = Hostile.Get($"{VictimWallet}?limit=0x10", 400, "INVALID_PARAMETER"),
        ["limit with a plus sign"] = Hostile.Get($"{VictimWallet}?limit=%2B10", 400, "INVALID_PARAMETER"),
        ["limit in Arabic-Indic digits"] = Hostile.Get($"{VictimWallet}?limit=%D9%A5", 400, "INVALID_PARAMETER"),
        ["JSON object as limit"] = Hostile.Get($"{VictimWallet}?limit=%7B%22%24gt%22%3A0%7D", 400, "INVALID_PARAMETER"),
        ["repeated limit"] = Hostile.Get($"{VictimWallet}?limit=1&limit=200", 400, "INVALID_PARAMETER"),
        ["SQL in entry_type"] = Hostile.Get($"{VictimWallet}?entry_type=PAYMENT%27%20OR%20%271%27%3D%271", 400, "INVALID_PARAMETER"),
        ["JSON array as entry_type"] = Hostile.Get($"{VictimWallet}?entry_type=%5B%22PAYMENT%22%2C%22RECEIVE%22%5D", 400, "INVALID_PARAMETER"),
        ["repeated entry_type"] = Hostile.Get($"{VictimWallet}?entry_type=PAYMENT&entry_type=RECEIVE", 400, "INVALID_PARAMETER"),
        ["SQL in from"] = Hostile.Get($"{VictimWallet}?from=2026-01-01T00:00:00Z%27%3B%20DROP%20TABLE%20bo.payment_orders%3B--", 400, "INVALID_PARAMETER"),
        ["SQL as cursor"] = Hostile.Get($"{VictimWallet}?cursor=%27%20OR%201%3D1--", 400, "INVALID_PARAMETER"),
        ["garbled cursor"] = Hostile.Get($"{VictimWallet}?cursor=%FF%FE%00", 400, "INVALID_PARAMETER"),
        ["forged cursor"] = Hostile.Get($"{VictimWallet}?cursor={ForgedCursor()}", 400, "INVALID_PARAMETER"),
        ["oversized cursor"] = Hostile.Get($"{VictimWallet}?cursor={new string('A', 3_000)}", 400, "INVALID_PARAMETER"),
        ["another wallet's cursor"] = Hostile.Get($"{VictimWallet}?limit=1&cursor={{other_cursor}}", 400, "INVALID_PARAMETER"),
        ["repeated cursor"] = Hostile.Get($"{VictimWallet}?cursor={{other_cursor}}&cursor={{other_cursor}}", 400, "INVALID_PARAMETER"),
        ["from after to"] = Hostile.Get($"{VictimWallet}?from=2026-11-25T00:00:01Z&to=2026-11-25T00:00:00Z", 400, "INVALID_PARAMETER"),
        ["from without offset"] = Hostile.Get($"{VictimWallet}?from=2026-11-25T00:00:00", 400, "INVALID_PARAMETER"),
        ["from with an unencoded + (a space)"] = Hostile.Get($"{VictimWallet}?from=2026-11-25T00:00:00+09:00", 400, "INVALID_PARAMETER"),
        ["from with offset +15:00"] = Hostile.Get($"{VictimWallet}?from=2026-11-25T00:00:00%2B15:00", 400, "INVALID_PARAMETER"),
        ["from in year 0001 at +01:00 (before year 1 in UTC)"] = Hostile.Get($"{VictimWallet}?from=0001-01-01T00:00:00%2B01:00", 400, "INVALID_PARAMETER"),
        ["to in year 9999 at -01:00 (after year 9999 in UTC)"] = Hostile.Get($"{VictimWallet}?to=9999-12-31T23:59:59-01:00", 400, "INVALID_PARAMETER"),
        ["from at the first instant of year 0001"] = Hostile.Get($"{EmptyWallet}?from=0001-01-01T00:00:00Z", 200),
        ["to at the last instant of year 9999"] = Hostile.Get($"{EmptyWallet}?to=9999-12-31T23:59:59.9999999Z", 200),
        ["whole range from 0001 to 9999 with offsets"] =
            Hostile.Get($"{EmptyWallet}?from=0001-01-01T00:00:00-01:00&to=9999-12-31T23:59:59%2B01:00", 200),

        // Size limits: Kestrel refuses before the application runs, without a body.
        ["40 KiB header"] = Hostile.Kestrel(Victim, 431) with { Headers = [new("X-Padding", new string('a', 40_000))] },
        ["100 headers"] = Hostile.Kestrel(Victim, 431) with
        {
            Headers = [.. Enumerable.Range(0, 100).Select(i => new KeyValuePair<string, string>($"X-H{i}", "v"))],
        },
        ["10,000-character query string"] = Hostile.Kestrel($"{Victim}?pad={new string('a', 10_000)}", 414),
        ["10 KiB garbage bearer token"] = Hostile.Get(Victim, 401, "UNAUTHORIZED") with
        {
            Headers = [new("Authorization", "Bearer " + new string('x', 10_000))],
        },
        ["GET with a 2 KiB body"] = Hostile.Get(Victim, 413, "PAYLOAD_TOO_LARGE") with { Body = new string('{', 2_048) },

        // Methods, content negotiation, routes.
        ["POST with a JSON body"] = Hostile.Send("POST", Victim, 405, "METHOD_NOT_ALLOWED") with { Body = "{\"tx_id\":\"tx-victim-1\"}" },
        ["PUT"] = Hostile.Send("PUT", Victim, 405, "METHOD_NOT_ALLOWED"),
        ["DELETE"] = Hostile.Send("DELETE", Victim, 405, "METHOD_NOT_ALLOWED"),
        ["PATCH"] = Hostile.Send("PATCH", VictimWallet, 405, "METHOD_NOT_ALLOWED"),
        ["OPTIONS"] = Hostile.Send("OPTIONS", Victim, 405, "METHOD_NOT_ALLOWED"),
        ["TRACE"] = Hostile.Send("TRACE", Victim, 405, "METHOD_NOT_ALLOWED"),
        ["made-up method"] = Hostile.Send("PROPFIND", Victim, 405, "METHOD_NOT_ALLOWED"),
        ["HEAD (no body to carry the problem)"] = Hostile.Send("HEAD", Victim, 405),
        ["Accept text/html on a bad id"] = Hostile.Get("/admin/tx/%3Cscript%3E", 400, "INVALID_ID") with
        {
            Headers = [new("Accept", "text/html")],
        },
        ["Accept application/xml on an unknown id"] = Hostile.Get("/admin/tx/tx-nobody", 404, "NOT_FOUND") with
        {
            Headers = [new("Accept", "application/xml")],
        },
        ["/admin"] = Hostile.Get("/admin", 404, "ROUTE_NOT_FOUND"),
        ["extra segment after the id"] = Hostile.Get($"{Victim}/..%2f..%2fwallets%2fw-victim%2ftx", 404, "ROUTE_NOT_FOUND"),
        ["unknown resource"] = Hostile.Get("/admin/transactions/tx-victim-1", 404, "ROUTE_NOT_FOUND"),
        ["dotfile"] = Hostile.Get("/.env", 404, "ROUTE_NOT_FOUND"),

        // Malformed HTTP: Kestrel answers 400 before the application, without a body.
        ["space in the request target"] = Hostile.RawRequest("GET /admin/tx/tx-victim-1 OR 1=1 HTTP/1.1\r\nHost: api\r\n\r\n", 400),
        ["NUL in the request target"] = Hostile.RawRequest("GET /admin/tx/tx-victim-1\0 HTTP/1.1\r\nHost: api\r\n\r\n", 400),
        ["control character in the request target (reaches the application)"] =
            Hostile.RawRequest("GET /admin/tx/\u0001 HTTP/1.1\r\nHost: api\r\n\r\n", 400, "INVALID_ID"),
        ["HTTP/1.1 without Host"] = Hostile.RawRequest("GET /admin/tx/tx-victim-1 HTTP/1.1\r\n\r\n", 400),
        ["two Host headers"] = Hostile.RawRequest("GET /admin/tx/tx-victim-1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ["space in a header name"] = Hostile.RawRequest("GET /admin/tx/tx-victim-1 HTTP/1.1\r\nHost: api\r\nX Bad: 1\r\n\r\n", 400),
        ["negative Content-Length"] = Hostile.RawRequest("GET /admin/tx/tx-victim-1 HTTP/1.1\r\nHost: api\r\nContent-Length: -1\r\n\r\n", 400),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task A_hostile_request_is_refused_with_a_4xx_never_a_5xx_nor_another_resources_data(string name)
    {
        foreach (var marker in VictimMarkers)
        {
            Assert.DoesNotContain(marker, Cases[name].Describe(), StringComparison.OrdinalIgnoreCase);
        }

        var hostile = Cases[name].Resolve(api.OtherWalletCursor, api.ReaderToken);

        var response = await SendAsync(hostile);

        Assert.True(response.Status < 500, $"{name}: {response.Status} {response.Body}");
        Assert.Equal(hostile.Status, response.Status);
        foreach (var marker in VictimMarkers)
        {
            Assert.DoesNotContain(marker, response.Body, StringComparison.OrdinalIgnoreCase);
        }

        Assert.False(response.Headers.ContainsKey("set-cookie"));
        if (hostile.Code is not null)
        {
            Assert.Equal("application/problem+json", response.MediaType);
            var problem = JsonDocument.Parse(response.Body).RootElement;
            Assert.Equal(hostile.Code, problem.GetProperty("code").GetString());
            Assert.Equal(hostile.Status, problem.GetProperty("status").GetInt32());
            Assert.Matches("^[0-9a-f]{32}$", problem.GetProperty("trace_id").GetString());
        }
        else if (hostile.KestrelAnswers)
        {
            Assert.Equal("", response.Body);
        }
        else if (hostile.Status == 200)
        {
            Assert.Equal(0, JsonDocument.Parse(response.Body).RootElement.GetProperty("items").GetArrayLength());
        }
    }

    [Fact]
    public async Task Injection_strings_leave_every_table_and_the_victims_rows_unchanged()
    {
        var before = await api.SnapshotAsync();

        foreach (var (name, hostile) in Cases.Where(c => c.Key.Contains("SQL", StringComparison.Ordinal)))
        {
            var response = await SendAsync(hostile.Resolve(api.OtherWalletCursor, api.ReaderToken));
            Assert.True(response.Status == 400, $"{name}: {response.Status}");
        }

        Assert.Equal(before, await api.SnapshotAsync());
    }

    private async Task<RawResponse> SendAsync(Hostile hostile)
    {
        if (hostile.Raw is { } raw)
        {
            return await RawHttp.SendAsync(api.BaseAddress, raw);
        }

        using var client = api.Reader();
        var uri = new Uri(api.BaseAddress + hostile.Target.TrimStart('/'),
            new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(new HttpMethod(hostile.Method), uri);
        foreach (var (header, value) in hostile.Headers)
        {
            if (header == "Authorization")
            {
                request.Headers.Authorization = AuthenticationHeaderValue.Parse(value);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(header, value);
            }
        }

        if (hostile.Body is { } body)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(", ", h.Value), StringComparer.Ordinal);
        return new RawResponse((int)response.StatusCode, headers, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private static string ForgedCursor() =>
        // Version 1, a timestamp flag, year-2100 ticks, tx_id "tx-victim-1", a zeroed tag.
        WebEncoders.Base64UrlEncode([1, 1, .. BitConverter.GetBytes(new DateTime(2100, 1, 1).Ticks).Reverse(), 0, 11,
            .. Encoding.ASCII.GetBytes("tx-victim-1"), .. new byte[16]]);

    /// <param name="Status">What the API must answer.</param>
    /// <param name="Code">The problem's <c>code</c>; null when there is no problem body.</param>
    /// <param name="KestrelAnswers">Refused by Kestrel before the application: no body at all.</param>
    public sealed record Hostile(string Method, string Target, int Status, string? Code, bool KestrelAnswers = false)
    {
        public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

        public string? Body { get; init; }

        /// <summary>Bytes written as they are, for requests an HTTP client refuses to send.</summary>
        public string? Raw { get; init; }

        public static Hostile Get(string target, int status, string? code = null) => new("GET", target, status, code);

        public static Hostile Send(string method, string target, int status, string? code = null) => new(method, target, status, code);

        public static Hostile Kestrel(string target, int status) => new("GET", target, status, null, KestrelAnswers: true);

        /// <param name="code">Null when Kestrel refuses the request before the application.</param>
        public static Hostile RawRequest(string raw, int status, string? code = null) =>
            new("GET", "", status, code, KestrelAnswers: code is null)
            {
                Raw = raw.Replace("\r\n\r\n", "\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n", StringComparison.Ordinal),
            };

        public Hostile Resolve(string otherWalletCursor, string token) => this with
        {
            Target = Target.Replace("{other_cursor}", otherWalletCursor, StringComparison.Ordinal),
            Raw = Raw?.Replace("{token}", token, StringComparison.Ordinal),
        };

        public string Describe() =>
            $"{Method} {Target} {Raw} {Body} {string.Join(" ", Headers.Select(h => $"{h.Key}: {h.Value}"))}";
    }
}

/// <summary>The API with a victim's payment seeded (both legs, pair, order) and a cursor of another wallet.</summary>
public sealed class VictimApiFixture(PostgresServerFixture server) : ApiFixture(server)
{
    public string OtherWalletCursor { get; private set; } = "";

    public string ReaderToken { get; private set; } = "";

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        ReaderToken = Issuer.CreateToken(["ADMIN_READ"]);
        await SeedAsync(
            Rows.Entry("tx-victim-1", "w-victim", amount: 987654.321m, relatedId: "po-victim"),
            Rows.Entry("tx-victim-2", "w-payee-secret", Backoffice.Data.Ledger.EntryTypes.Receive, amount: 987654.321m, relatedId: "po-victim"),
            Rows.Order("po-victim", "w-victim", "w-payee-secret", amount: 987654.321m),
            Rows.CompletePair("po-victim", "tx-victim-1", "tx-victim-2"),
            Rows.Entry("tx-other-1", "w-other", amount: 1m),
            Rows.Entry("tx-other-2", "w-other", amount: 2m));

        using var client = Reader();
        using var page = await client.GetTracedAsync("/admin/wallets/w-other/tx?limit=1");
        OtherWalletCursor = page.Json.GetProperty("next_cursor").GetString()!;
    }

    /// <summary>Every application table's row count, and the victim's stored amounts.</summary>
    public async Task<string> SnapshotAsync()
    {
        await using var db = CreateDbContext();
        var tables = await db.Database
            .SqlQueryRaw<string>("SELECT string_agg(table_name, ',' ORDER BY table_name) AS \"Value\" FROM information_schema.tables WHERE table_schema = 'bo'")
            .SingleAsync(TestContext.Current.CancellationToken);
        var amounts = await db.LedgerEntries.Where(e => e.TxId.StartsWith("tx-victim")).OrderBy(e => e.TxId)
            .Select(e => e.TxId + "=" + e.Amount).ToListAsync(TestContext.Current.CancellationToken);
        return string.Join(" | ",
            tables,
            await db.LedgerEntries.CountAsync(TestContext.Current.CancellationToken),
            await db.PaymentOrders.CountAsync(TestContext.Current.CancellationToken),
            await db.PaymentLedgerPairs.CountAsync(TestContext.Current.CancellationToken),
            await db.ConsumerDlqEvents.CountAsync(TestContext.Current.CancellationToken),
            string.Join(",", amounts));
    }
}
