using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Backoffice.Bench.Infrastructure;
using Backoffice.LocalInfra.Postgres;
using Npgsql;

namespace Backoffice.Bench.Lookup;

public sealed record LookupSettings(
    int LedgerEntries = 1_000_000,
    double OpenLoopRate = 1_000,
    int OpenLoopSeconds = 30,
    int Concurrency = 16,
    int Threads = 2,
    int SaturationSeconds = 20);

/// <summary>
/// Benchmark 3: <c>GET /admin/tx/{tx_id}</c> over a million ledger entries, with OIDC (real RS256
/// tokens from a local issuer) and audit on: (a) open loop at a fixed rate → latency quantiles from
/// the intended send time; (b) closed loop at saturation (wrk) → requests/s, next to pgbench running
/// the SQL the endpoint runs (read back from pg_stat_statements) at the same concurrency; (c) the
/// open loop of (a) for <c>GET /admin/payment-orders/{order_id}</c> and the first page of
/// <c>GET /admin/wallets/{wallet_id}/tx</c>, and (d) the closed loop of (b) for the payment-order
/// lookup, which issue 6 sets no target for.
/// </summary>
public sealed partial class LookupBenchmark(BenchContext context, LookupSettings settings)
{
    private const string Audience = "api://backoffice-bench";

    private static readonly string TransactionIdSql = $"('{LookupDataset.TxIdPrefix}' || :n)";

    private static readonly string OrderIdSql = $"('{LookupDataset.OrderIdPrefix}' || :n)";

    public async Task<BenchResult> RunAsync()
    {
        var cancellationToken = context.CancellationToken;
        var result = new BenchResult("lookup");
        await using var postgres = await BenchPostgres.StartAsync(context);
        var database = await postgres.CreateMigratedDatabaseAsync("bench_lookup", cancellationToken);
        result["postgres"] = await BenchPostgres.DescribeAsync(database, cancellationToken);
        result["dataset"] = await LookupDataset.LoadAsync(context, database, settings.LedgerEntries);

        await using var issuer = await OidcIssuer.StartAsync(Http.FreePort(), cancellationToken);
        var token = issuer.CreateToken(Audience, "bench-admin", ["ADMIN_READ"], TimeSpan.FromHours(2));
        var api = await ServiceLauncher.StartApiAsync(context, "lookup-api", database, issuer.Authority, Audience);
        await using var apiProcess = api.Process;

        // Warm-up (JIT, JWKS fetch, pools).
        await BenchPostgres.ResetStatementsAsync(database, cancellationToken);
        var transactions = new OpenLoopEndpoint("/admin/tx/{tx_id}", "get_tx", static n => $"/admin/tx/{LookupDataset.TxId(n)}", settings.LedgerEntries);
        await WarmUpAsync(api, token, transactions, TimeSpan.FromSeconds(6));

        var rssByPhase = new JsonObject { ["after_warmup"] = BenchResult.Round(api.Process.CurrentRssMib(), 1) };
        var (lookupSql, auditSql) = await ReadEndpointSqlAsync(database, "ledger_entries");
        result["endpoint_sql"] = new JsonObject { ["lookup"] = lookupSql, ["audit_insert_as_sent"] = ChildProcess.Tail(auditSql, 600) };
        result["explain_lookup"] = await ExplainAsync(database, lookupSql);
        context.Log("warm-up done; endpoint SQL read from pg_stat_activity");

        // (a) Open loop.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var openLoop = await OpenLoopAsync(api, http, database, token, transactions);
        rssByPhase["after_open_loop"] = BenchResult.Round(api.Process.CurrentRssMib(), 1);
        rssByPhase["peak_so_far"] = BenchResult.Round(api.Process.PeakRssMib, 1);
        result["open_loop"] = openLoop;

        // (b) Closed loop at saturation.
        var serverSessions = new JsonObject();
        var peakRss = 0.0;
        var saturation = await SaturationAsync(
            postgres, database, api, http, token,
            new ClosedLoopEndpoint(transactions, "lookup", TransactionIdSql, $"/admin/tx/{LookupDataset.TxIdPrefix}", "GET_TX", "TX"),
            lookupSql, auditSql,
            async () =>
            {
                rssByPhase["after_wrk"] = BenchResult.Round(api.Process.CurrentRssMib(), 1);
                serverSessions["after_wrk"] = await ApiSessionsAsync(database);
                // The targets' peak: the benchmark as issue 6 defines it, before the other lookups' phases.
                peakRss = api.Process.PeakRssMib;
                rssByPhase["peak_through_wrk"] = BenchResult.Round(peakRss, 1);
            });

        // (c) The other two lookups at the open loop's rate, after the saturation phase so they
        // change none of its conditions: no target in issue 6, measured so their latency is known.
        var others = new JsonObject();
        var orders = new OpenLoopEndpoint("/admin/payment-orders/{order_id}", "get_payment_order",
            static n => $"/admin/payment-orders/{LookupDataset.OrderId(n)}", settings.LedgerEntries / 2);
        var wallets = new OpenLoopEndpoint("/admin/wallets/{wallet_id}/tx", "list_wallet_tx",
            static n => $"/admin/wallets/{LookupDataset.WalletId(n)}/tx", LookupDataset.Wallets);
        await WarmUpAsync(api, token, orders, TimeSpan.FromSeconds(3));
        others[orders.Route] = await OpenLoopAsync(api, http, database, token, orders);
        // The API's sessions now last ran the payment-order lookup.
        var (orderSql, _) = await ReadEndpointSqlAsync(database, "payment_orders");
        await WarmUpAsync(api, token, wallets, TimeSpan.FromSeconds(3));
        others[wallets.Route] = await OpenLoopAsync(api, http, database, token, wallets);

        rssByPhase["after_other_open_loops"] = BenchResult.Round(api.Process.CurrentRssMib(), 1);
        serverSessions["after_other_open_loops"] = await ApiSessionsAsync(database);
        result["open_loop_other_lookups"] = others;

        // (d) The payment-order lookup at saturation, last, so it changes no earlier phase's conditions.
        result["endpoint_sql"]!["payment_order_lookup"] = orderSql;
        await WarmUpAsync(api, token, orders, TimeSpan.FromSeconds(3));
        result["saturation_payment_order"] = await SaturationAsync(
            postgres, database, api, http, token,
            new ClosedLoopEndpoint(orders, "payment-order", OrderIdSql, $"/admin/payment-orders/{LookupDataset.OrderIdPrefix}", "GET_PAYMENT_ORDER", "PAYMENT_ORDER"),
            orderSql, auditSql,
            () => Task.CompletedTask);
        rssByPhase["after_payment_order_wrk"] = BenchResult.Round(api.Process.CurrentRssMib(), 1);
        var apiCpuTotal = CpuMeter.ProcessCpuSeconds(api.Process.Id);
        await api.Process.StopAsync(TimeSpan.FromSeconds(15));
        result["api"] = new JsonObject
        {
            ["process"] = api.Describe(apiCpuTotal),
            ["rss_mib_by_phase"] = rssByPhase,
            ["server_sessions"] = serverSessions,
        };

        result["saturation"] = saturation;
        var ratio = saturation["ratio_api_to_pgbench"]!.GetValue<double>();

        var failed = openLoop["requests"]!.GetValue<int>() - openLoop["ok"]!.GetValue<int>();
        result.Target("lookup p95 at 1,000 requests/s (open loop)", openLoop["latency_ms"]!["p95"]!.GetValue<double>(), 10, atMost: true, "ms");
        result.Target("lookup saturation vs pgbench (ratio)", ratio, 0.5, atMost: false, "x");
        result.Target("open-loop requests not answered 200", failed, 0, atMost: true, "");
        result.Target("open-loop requests not answered 200 (payment orders, wallets)",
            others.Sum(other => other.Value!["requests"]!.GetValue<int>() - other.Value!["ok"]!.GetValue<int>()), 0, atMost: true, "");
        result.Target("API peak RSS (lookup)", peakRss, 250, atMost: true, "MiB");
        return result;
    }

    /// <summary>
    /// One endpoint in a closed loop at saturation: pgbench, the API under wrk, pgbench again, each
    /// alone on the machine (the API idles during both pgbench runs) and each after a CHECKPOINT, so
    /// none shares its run with flushing another phase's writes. The two pgbench runs bracket the
    /// API's: this machine's speed drifts by tens of per cent within minutes (docs/benchmarks.md).
    /// <paramref name="afterWrk"/> runs between wrk and the second pgbench.
    /// </summary>
    private async Task<JsonObject> SaturationAsync(
        BenchPostgres postgres, string database, RunningService api, HttpClient http, string token, ClosedLoopEndpoint endpoint,
        string lookupSql, string auditSql, Func<Task> afterWrk)
    {
        var cancellationToken = context.CancellationToken;
        var pgbenchScript = PgBenchScript(lookupSql, auditSql, endpoint);
        var pgbench = await PgBenchAsync(postgres, database, pgbenchScript, $"{endpoint.Label}-pgbench");

        var metricsBefore = await Http.ScrapeAsync(http, api.Metrics, cancellationToken);
        await BenchPostgres.ExecuteAsync(database, "CHECKPOINT", cancellationToken);
        await BenchPostgres.ResetStatementsAsync(database, cancellationToken);
        var cpu = new CpuMeter();
        var apiCpuBefore = CpuMeter.ProcessCpuSeconds(api.Process.Id);
        var wrk = await ClosedLoopTools.WrkAsync(context, $"{endpoint.Label}-wrk", api.BaseAddress, token, endpoint.PathPrefix,
            endpoint.OpenLoop.Ids, settings.Concurrency, settings.Threads, TimeSpan.FromSeconds(settings.SaturationSeconds));
        cpu.Use().AddTo(wrk);
        wrk["api_cpu_cores"] = BenchResult.Round((CpuMeter.ProcessCpuSeconds(api.Process.Id) - apiCpuBefore) / cpu.Elapsed.TotalSeconds, 2);
        wrk["database_statements"] = await StatementStatsAsync(database);
        wrk["api_metrics"] = ServerSideTimes(metricsBefore, await Http.ScrapeAsync(http, api.Metrics, cancellationToken), endpoint.OpenLoop);
        context.Log($"wrk on {endpoint.OpenLoop.Route}: {wrk["requests_per_second"]} requests/s ({wrk["errors"]} errors)");
        await afterWrk();
        var pgbenchAfter = await PgBenchAsync(postgres, database, pgbenchScript, $"{endpoint.Label}-pgbench after");

        var pgRate = (pgbench["transactions_per_second"]!.GetValue<double>() + pgbenchAfter["transactions_per_second"]!.GetValue<double>()) / 2;
        return new JsonObject
        {
            ["route"] = endpoint.OpenLoop.Route,
            ["concurrency"] = settings.Concurrency,
            ["api_wrk"] = wrk,
            ["baseline_pgbench"] = pgbench,
            ["baseline_pgbench_after"] = pgbenchAfter,
            ["baseline_pgbench_mean_tps"] = BenchResult.Round(pgRate, 1),
            ["ratio_api_to_pgbench"] = BenchResult.Round(wrk["requests_per_second"]!.GetValue<double>() / pgRate, 3),
        };
    }

    /// <summary>
    /// Light traffic on one endpoint (JIT, JWKS fetch, pools, the endpoint's query plan); every answer
    /// must be a 200, or the data set or the setup is wrong and no later figure would mean anything.
    /// </summary>
    private async Task WarmUpAsync(RunningService api, string token, OpenLoopEndpoint endpoint, TimeSpan duration)
    {
        var warmup = await new OpenLoopClient(api.BaseAddress, token, endpoint.Path, endpoint.Ids).RunAsync(500, duration, context.CancellationToken);
        if (warmup["ok"]!.GetValue<int>() != warmup["requests"]!.GetValue<int>())
        {
            throw new InvalidOperationException(
                $"Warm-up requests to {endpoint.Route} failed: {warmup["status_counts"]!.ToJsonString()}\n{ChildProcess.Tail(await api.Process.ReadLogAsync(), 3000)}");
        }
    }

    /// <summary>
    /// One endpoint at the fixed open-loop rate: client-side latency, the machine's, the API's and the
    /// load generator's CPU, the audit rows written, the database's statements and the API's own
    /// server-side times for the window.
    /// </summary>
    private async Task<JsonObject> OpenLoopAsync(RunningService api, HttpClient http, string database, string token, OpenLoopEndpoint endpoint)
    {
        var cancellationToken = context.CancellationToken;
        await BenchPostgres.ResetStatementsAsync(database, cancellationToken);
        var auditBefore = await AuditRowsAsync(database);
        var metricsBefore = await Http.ScrapeAsync(http, api.Metrics, cancellationToken);
        var apiCpuBefore = CpuMeter.ProcessCpuSeconds(api.Process.Id);
        var cpu = new CpuMeter();
        var harnessCpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var openLoop = await new OpenLoopClient(api.BaseAddress, token, endpoint.Path, endpoint.Ids)
            .RunAsync(settings.OpenLoopRate, TimeSpan.FromSeconds(settings.OpenLoopSeconds), cancellationToken);
        cpu.Use().AddTo(openLoop);
        openLoop["load_generator_cpu_cores"] = BenchResult.Round(
            (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - harnessCpuBefore).TotalSeconds / cpu.Elapsed.TotalSeconds, 2);
        openLoop["api_cpu_cores"] = BenchResult.Round((CpuMeter.ProcessCpuSeconds(api.Process.Id) - apiCpuBefore) / cpu.Elapsed.TotalSeconds, 2);
        openLoop["audit_rows_written"] = await AuditRowsAsync(database) - auditBefore;
        openLoop["database_statements"] = await StatementStatsAsync(database);
        openLoop["api_metrics"] = ServerSideTimes(metricsBefore, await Http.ScrapeAsync(http, api.Metrics, cancellationToken), endpoint);
        context.Log($"open loop {settings.OpenLoopRate:N0} rps on {endpoint.Route}: p50 {openLoop["latency_ms"]!["p50"]} ms, p95 {openLoop["latency_ms"]!["p95"]} ms, p99 {openLoop["latency_ms"]!["p99"]} ms");
        return openLoop;
    }

    /// <summary>
    /// The SQL the endpoint sent, exactly (pg_stat_statements would replace its constants): the last
    /// statement of each of the API's pooled sessions, from <c>pg_stat_activity</c>. One of them is
    /// the lookup (a SELECT whose first table is <c>bo.</c><paramref name="fromTable"/>); the audit
    /// INSERT is rebuilt as one row (the API batches rows into one statement).
    /// </summary>
    private async Task<(string Lookup, string Audit)> ReadEndpointSqlAsync(string connectionString, string fromTable)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(context.CancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT query FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND (query ILIKE 'SELECT%' OR query ILIKE 'INSERT INTO%admin_audit_logs%')
            """, connection);
        string? lookup = null;
        string? audit = null;
        await using var reader = await command.ExecuteReaderAsync(context.CancellationToken);
        while (await reader.ReadAsync(context.CancellationToken))
        {
            var query = reader.GetString(0);
            if (!query.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase))
            {
                audit ??= query;
            }
            else if (FirstTablePattern().Match(query) is { Success: true } first && first.Groups[1].Value == fromTable)
            {
                lookup ??= query;
            }
        }

        return (lookup ?? throw new InvalidOperationException($"No API session's last statement is a lookup from bo.{fromTable} (pg_stat_activity)."),
            audit ?? throw new InvalidOperationException("No API session's last statement is the audit INSERT (pg_stat_activity)."));
    }

    /// <summary>One pgbench transaction = one lookup by a random existing id + one audit row, as the endpoint does.</summary>
    private static string PgBenchScript(string lookupSql, string auditSql, ClosedLoopEndpoint endpoint)
    {
        var id = endpoint.IdSql;
        var lookupParameters = ParameterPattern().Matches(lookupSql).Select(m => m.Value).Distinct(StringComparer.Ordinal).ToList();
        if (lookupParameters is not ["$1"])
        {
            throw new InvalidOperationException($"Expected the lookup to take one parameter ($1, the id), found {string.Join(", ", lookupParameters)}:\n{lookupSql}");
        }

        var lookup = BindId(lookupSql, id);
        var valuesAt = auditSql.IndexOf(" VALUES ", StringComparison.OrdinalIgnoreCase);
        var columns = auditSql[(auditSql.IndexOf('(', StringComparison.Ordinal) + 1)..auditSql.LastIndexOf(')', valuesAt)]
            .Split(',').Select(c => c.Trim().Trim('"')).ToList();
        var values = columns.Select(column => column switch
        {
            "occurred_at" => "now()",
            "actor_id" => "'bench-admin'",
            "actor_name" => "'bench-admin@bench.local'",
            "actor_roles" => "ARRAY['ADMIN_READ']::text[]",
            "auth_mode" => "'oidc'",
            "action" => $"'{endpoint.AuditAction}'",
            "route" => $"'{endpoint.OpenLoop.Route}'",
            "resource_type" => $"'{endpoint.AuditResourceType}'",
            "resource_id" => id,
            "query" => "NULL",
            "result" => "'FOUND'",
            "status_code" => "200",
            "duration_ms" => "1.5",
            "result_count" => "1",
            "trace_id" => "'4bf92f3577b34da6a3ce929d0e0e4736'",
            "client_ip" => "'127.0.0.1'::inet",
            "user_agent" => "'pgbench'",
            _ => throw new InvalidOperationException($"The audit INSERT has a column the harness does not know: {column}"),
        });
        var insert = $"{auditSql[..valuesAt]} VALUES ({string.Join(", ", values)})";
        var script = new StringBuilder();
        script.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"\\set n random(1, {endpoint.OpenLoop.Ids})");
        script.AppendLine(lookup.Trim() + ";");
        script.AppendLine(insert + ";");
        return script.ToString();
    }

    /// <summary>
    /// The lookup's SQL with <paramref name="id"/> (an SQL expression) in place of <c>$1</c>. The
    /// API's transaction lookup takes an array of ids (<c>tx_id = ANY ($1)</c>, shared by concurrent
    /// lookups); the baseline binds a one-element array, one lookup per transaction.
    /// </summary>
    private static string BindId(string lookupSql, string id) =>
        ParameterPattern().Replace(lookupSql, lookupSql.Contains("= ANY ($1)", StringComparison.Ordinal) ? $"ARRAY[{id}]" : id);

    private async Task<JsonArray> ExplainAsync(string connectionString, string lookupSql)
    {
        var plan = new JsonArray();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(context.CancellationToken);
        await using var command = new NpgsqlCommand(
            "EXPLAIN (ANALYZE, BUFFERS) " + BindId(lookupSql, $"'{LookupDataset.TxId(424_243)}'"), connection);
        await using var reader = await command.ExecuteReaderAsync(context.CancellationToken);
        while (await reader.ReadAsync(context.CancellationToken))
        {
            plan.Add(reader.GetString(0));
        }

        return plan;
    }

    /// <summary>pgbench alone at the API's concurrency, after a CHECKPOINT; with the machine's busy cores.</summary>
    private async Task<JsonObject> PgBenchAsync(BenchPostgres postgres, string database, string script, string label)
    {
        await BenchPostgres.ExecuteAsync(database, "CHECKPOINT", context.CancellationToken);
        var cpu = new CpuMeter();
        var pgbench = await ClosedLoopTools.PgBenchAsync(context, label.Replace(' ', '-'), script, LocalPostgresServer.Host,
            postgres.Server.Port, "bench_lookup", settings.Concurrency, settings.Threads, TimeSpan.FromSeconds(settings.SaturationSeconds));
        cpu.Use().AddTo(pgbench);
        context.Log($"{label}: {pgbench["transactions_per_second"]} transactions/s");
        return pgbench;
    }

    /// <summary>
    /// The API's sessions on the server: its pool's open connections, busy or idle (Npgsql closes
    /// an idle one after 300 s, longer than this benchmark's API lives).
    /// </summary>
    private async Task<long> ApiSessionsAsync(string connectionString) =>
        await BenchPostgres.ScalarAsync<long>(connectionString,
            $"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{ServiceLauncher.ApiApplicationName}'", context.CancellationToken);

    private async Task<long> AuditRowsAsync(string connectionString) =>
        await BenchPostgres.ScalarAsync<long>(connectionString, "SELECT count(*) FROM bo.admin_audit_logs", context.CancellationToken);

    /// <summary>What the database spent on the endpoint's statements in the window (pg_stat_statements).</summary>
    private async Task<JsonObject> StatementStatsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(context.CancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT CASE WHEN query ILIKE 'INSERT INTO%admin_audit_logs%' THEN 'audit_insert'
                        WHEN query ILIKE 'SELECT%ledger_entries%' THEN 'lookup' ELSE 'other' END AS kind,
                   sum(calls)::bigint, sum(rows)::bigint, sum(total_exec_time), max(max_exec_time),
                   sum(shared_blks_hit)::bigint, sum(shared_blks_read)::bigint
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            GROUP BY 1 ORDER BY 1
            """, connection);
        var stats = new JsonObject();
        await using var reader = await command.ExecuteReaderAsync(context.CancellationToken);
        while (await reader.ReadAsync(context.CancellationToken))
        {
            var calls = reader.GetInt64(1);
            stats[reader.GetString(0)] = new JsonObject
            {
                ["calls"] = calls,
                ["rows"] = reader.GetInt64(2),
                ["mean_exec_ms"] = BenchResult.Round(calls == 0 ? 0 : reader.GetDouble(3) / calls, 4),
                ["max_exec_ms"] = BenchResult.Round(reader.GetDouble(4), 3),
                ["rows_per_call"] = BenchResult.Round(calls == 0 ? 0 : (double)reader.GetInt64(2) / calls, 2),
                ["shared_blocks_hit"] = reader.GetInt64(5),
                ["shared_blocks_read"] = reader.GetInt64(6),
            };
        }

        return stats;
    }

    /// <summary>
    /// The API's own view of the window (its Prometheus histograms, after minus before): time inside
    /// the request pipeline and per named query, to tell queueing outside the API from work inside it.
    /// </summary>
    private static JsonObject ServerSideTimes(IReadOnlyList<PrometheusSample> before, IReadOnlyList<PrometheusSample> after, OpenLoopEndpoint endpoint)
    {
        JsonObject Of(string metric, Func<IReadOnlyDictionary<string, string>, bool> filter)
        {
            bool Matches(PrometheusSample s) => filter(s.Labels);
            var window = PrometheusText.Histogram(after.Where(Matches), metric).Minus(PrometheusText.Histogram(before.Where(Matches), metric));
            var sum = PrometheusText.Sum(after, metric + "_sum", filter) - PrometheusText.Sum(before, metric + "_sum", filter);
            return new JsonObject
            {
                ["count"] = window.Count,
                ["mean_ms"] = BenchResult.Round(window.Count == 0 ? double.NaN : sum / window.Count * 1000, 3),
                ["p50_ms"] = BenchResult.Round(window.Quantile(0.5) * 1000, 3),
                ["p95_ms"] = BenchResult.Round(window.Quantile(0.95) * 1000, 3),
                ["p99_ms"] = BenchResult.Round(window.Quantile(0.99) * 1000, 3),
            };
        }

        return new JsonObject
        {
            ["api_request_latency_seconds"] = Of("api_request_latency_seconds", l => l.GetValueOrDefault("route") == endpoint.Route),
            [$"db_query_latency_seconds{{query={endpoint.Query}}}"] = Of("db_query_latency_seconds", l => l.GetValueOrDefault("query") == endpoint.Query),
            ["db_query_latency_seconds{query=insert_audit}"] = Of("db_query_latency_seconds", l => l.GetValueOrDefault("query") == "insert_audit"),
            ["note"] = "histogram_quantile over the API's buckets; mean from _sum/_count",
        };
    }

    [GeneratedRegex(@"\$\d+")]
    private static partial Regex ParameterPattern();

    [GeneratedRegex(@"^SELECT\b.*?\bFROM bo\.(\w+)", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex FirstTablePattern();
}

/// <summary>
/// A lookup endpoint the open loop drives: its route template and query name (the API's metric
/// labels) and the path that asks for id number 1 … <paramref name="Ids"/> of the data set.
/// </summary>
public sealed record OpenLoopEndpoint(string Route, string Query, Func<int, string> Path, int Ids);

/// <summary>
/// A lookup the closed loop drives: its open-loop description, a label for its files, the SQL
/// expression of its id in pgbench (of <c>:n</c>), the path wrk appends a number to, and its audit row's
/// action and resource type.
/// </summary>
public sealed record ClosedLoopEndpoint(
    OpenLoopEndpoint OpenLoop, string Label, string IdSql, string PathPrefix, string AuditAction, string AuditResourceType);
