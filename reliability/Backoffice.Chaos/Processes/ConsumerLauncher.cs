using System.Globalization;
using Backoffice.Chaos.Environment;
using Npgsql;

namespace Backoffice.Chaos.Processes;

/// <summary>
/// Starts Sync Consumer instances of one group, configured as deployed (Production environment,
/// everything through environment variables), with faster group changes than the defaults so a
/// rebalance after a crash takes seconds (the session timeout), not tens of seconds.
/// </summary>
public sealed class ConsumerLauncher(ChaosEnvironment environment, ChaosTopics topics)
{
    /// <summary>
    /// The consumer's sessions carry this <c>application_name</c> (set in its connection string, as a
    /// deployment should), so a scenario can find them in <c>pg_stat_activity</c>.
    /// </summary>
    public const string ApplicationName = "backoffice-sync-chaos";

    /// <summary>Output lines worth counting: retried writes, offset commits that failed, consume errors.</summary>
    public static readonly IReadOnlyList<string> WatchedOutput =
    [
        "Database write of",
        "Offset commit failed",
        "Kafka consume error",
        "Partitions lost",
        "Partitions revoked",
        "statement timeout",
        "terminating connection due to administrator command",
        "Unhandled exception",
    ];

    private int _started;

    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Extra settings (configuration keys) for every instance.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    public int Started => _started;

    public ServiceProcess Start()
    {
        var name = $"consumer-{Interlocked.Increment(ref _started).ToString(CultureInfo.InvariantCulture)}";
        var configuration = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings:backoffice"] = new NpgsqlConnectionStringBuilder(environment.Database) { ApplicationName = ApplicationName }.ConnectionString,
            ["ConnectionStrings:kafka"] = environment.Kafka.BootstrapServers,
            ["Consumer:Profile"] = "local",
            ["Consumer:Profiles:local:Topics:ledger"] = topics.Ledger,
            ["Consumer:Profiles:local:Topics:payment_order"] = topics.PaymentOrder,
            ["Consumer:GroupId"] = topics.GroupId,
            ["Consumer:RetryMaxBackoff"] = "00:00:01",
            ["Consumer:Kafka:session.timeout.ms"] = ((int)SessionTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            ["Consumer:Kafka:heartbeat.interval.ms"] = "500",
            ["Consumer:Kafka:topic.metadata.refresh.interval.ms"] = "2000",
            ["Pairing:GaugeRefreshInterval"] = "00:00:01",
        };
        foreach (var (key, value) in Settings)
        {
            configuration[key] = value;
        }

        var process = ServiceProcess.Start(name, environment.ConsumerDll, configuration, WatchedOutput, environment.LogDirectory);
        environment.Timeline.Note($"started {name} (pid {process.Id.ToString(CultureInfo.InvariantCulture)})");
        return process;
    }
}
