using System.Text.Json.Nodes;

namespace Backoffice.Bench.Infrastructure;

/// <summary>A consumer or API child process with its HTTP address.</summary>
public sealed record RunningService(ChildProcess Process, Uri BaseAddress, TimeSpan StartupTime)
{
    public Uri Metrics => new(BaseAddress, "/metrics");

    public JsonObject Describe(double cpuSeconds) => new()
    {
        ["pid"] = Process.Id,
        ["startup_seconds"] = BenchResult.Round(StartupTime.TotalSeconds, 3),
        ["peak_rss_mib"] = BenchResult.Round(Process.PeakRssMib, 1),
        ["cpu_seconds"] = BenchResult.Round(cpuSeconds, 2),
        ["log"] = Process.LogPath,
    };
}

/// <summary>Starts the Release builds of the Sync Consumer and the Admin API as the deployment would run them.</summary>
public static class ServiceLauncher
{
    public const string ConsumerProject = "Backoffice.SyncConsumer";
    public const string ApiProject = "Backoffice.Api";

    /// <summary>
    /// Production environment and the projects' own logging configuration, as shipped. With
    /// <c>BENCH_QUIET_SERVICE_LOGS=1</c> only warnings are logged: a diagnostic run that shows what
    /// per-request and per-command Information logs cost.
    /// </summary>
    private static Dictionary<string, string> Common(int port)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        if (QuietLogs)
        {
            environment["Logging__LogLevel__Default"] = "Warning";
            environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        }

        foreach (var (name, value) in ChildOverrides)
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>
    /// <c>BENCH_CHILD_&lt;NAME&gt;=value</c> in the harness's environment sets <c>NAME=value</c> for the
    /// consumer and the API: diagnostic runs (e.g. <c>BENCH_CHILD_DOTNET_gcServer=0</c>), reported in the summary.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ChildOverrides { get; } =
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Where(e => ((string)e.Key).StartsWith("BENCH_CHILD_", StringComparison.Ordinal) && (string)e.Key != "BENCH_CHILD_LOG")
            .ToDictionary(e => ((string)e.Key)["BENCH_CHILD_".Length..], e => (string?)e.Value ?? "", StringComparer.Ordinal);

    public static bool QuietLogs => Environment.GetEnvironmentVariable("BENCH_QUIET_SERVICE_LOGS") == "1";

    public static async Task<RunningService> StartConsumerAsync(
        BenchContext context, string name, string databaseConnectionString, string bootstrapServers,
        IReadOnlyDictionary<string, string>? extra = null)
    {
        var port = Http.FreePort();
        var environment = Common(port);
        environment["ConnectionStrings__backoffice"] = databaseConnectionString;
        environment["ConnectionStrings__kafka"] = bootstrapServers;
        environment["Consumer__Profile"] = "local";
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return await StartAsync(context, name, ConsumerProject, environment, port, "/alive");
    }

    /// <summary>The <c>Application Name</c> of the API's connections.</summary>
    public const string ApiApplicationName = "bench-api";

    public static async Task<RunningService> StartApiAsync(
        BenchContext context, string name, string databaseConnectionString, Uri authority, string audience)
    {
        var port = Http.FreePort();
        var environment = Common(port);
        // Named, so the benchmark can count the API's own sessions on the server.
        environment["ConnectionStrings__backoffice"] =
            new Npgsql.NpgsqlConnectionStringBuilder(databaseConnectionString) { ApplicationName = ApiApplicationName }.ConnectionString;
        environment["AUTH_MODE"] = "oidc";
        environment["Auth__Authority"] = authority.ToString().TrimEnd('/');
        environment["Auth__Audience"] = audience;
        // The harness's issuer is plain http on loopback.
        environment["Auth__RequireHttpsMetadata"] = "false";
        return await StartAsync(context, name, ApiProject, environment, port, "/health");
    }

    private static async Task<RunningService> StartAsync(
        BenchContext context, string name, string project, Dictionary<string, string> environment, int port, string readyPath)
    {
        foreach (var empty in environment.Where(e => e.Value.Length == 0).Select(e => e.Key).ToList())
        {
            environment.Remove(empty);
        }

        var process = ChildProcess.Start(context, name, context.ProjectExecutable(project), [], environment);
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var startup = await Http.WaitUntilOkAsync(client, new Uri(baseAddress, readyPath), process, TimeSpan.FromSeconds(60), context.CancellationToken);
            context.Log($"{name} answers {readyPath} after {startup.TotalSeconds:0.00} s");
            return new RunningService(process, baseAddress, startup);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }
}
