using System.Collections;
using System.Globalization;
using Backoffice.LocalInfra.Kafka;

namespace Backoffice.LocalKafka;

/// <summary>
/// The tool's settings: command-line options override <c>LOCALKAFKA_*</c> environment variables,
/// which override the defaults.
/// </summary>
internal sealed record LocalKafkaSettings
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 19092;
    public int Brokers { get; init; } = 1;
    public int Partitions { get; init; } = 3;
    public IReadOnlyList<string> Topics { get; init; } = [];

    /// <summary>Port of the HTTP control endpoint on <see cref="Host"/>; none when null.</summary>
    public int? ControlPort { get; init; }

    public MockKafkaClusterOptions ToClusterOptions() => new()
    {
        Host = Host,
        Port = Port,
        BrokerCount = Brokers,
        DefaultPartitions = Partitions,
        Topics = Topics,
    };

    public const string ShortUsage =
        "Usage: Backoffice.LocalKafka [--host 127.0.0.1] [--port 19092] [--brokers 1] [--partitions 3] [--topics a,b] [--control-port N]  (--help for details)";

    public const string Usage = """
        Backoffice.LocalKafka - a local Kafka-protocol broker for development and tests.

        It runs librdkafka's in-memory mock cluster on a stable loopback address: real Kafka clients
        can produce, consume, join consumer groups and commit offsets, but nothing is persisted and
        it is not a production broker. Admin requests (CreateTopics, DescribeGroups, ...) are not
        served: declare topics with --topics or POST /topics, or let producers auto-create them.

        Usage: Backoffice.LocalKafka [options]

        Options (environment variable in brackets; options win):
          --host <address>       Loopback address to listen on and advertise (127.0.0.1 or
                                 localhost) [LOCALKAFKA_HOST]. Default: 127.0.0.1
          --port <port>          Port of broker 1; broker n uses port + n - 1; 0 picks free ports
                                 [LOCALKAFKA_PORT]. Default: 19092
          --brokers <count>      Number of brokers, 1-16 [LOCALKAFKA_BROKERS]. Default: 1
          --partitions <count>   Partitions of declared and auto-created topics
                                 [LOCALKAFKA_PARTITIONS]. Default: 3
          --topics <a,b,...>     Topics to create at start [LOCALKAFKA_TOPICS]. Default: none
          --control-port <port>  Serve the HTTP control endpoint on this port (0 = any free port)
                                 [LOCALKAFKA_CONTROL_PORT]. Default: no control endpoint
          -h, --help             Show this help.

        Control endpoint (with --control-port):
          GET    /health                      200 when every broker is up, 503 otherwise
          POST   /brokers/{id}/down           drop the broker's connections, refuse new ones
          POST   /brokers/{id}/up             accept connections again
          POST   /brokers/{id}/rtt?ms=N       delay the broker's responses by N ms (0 = none)
          POST   /errors?api=Produce&codes=NotLeaderForPartition,RequestTimedOut&count=1[&broker=1]
                 (or a JSON body {"api":..,"codes":[..],"count":..,"broker":..}) queue request errors
          DELETE /errors?api=Produce          drop queued cluster-wide errors for a request type
          POST   /topics?name=t&partitions=3  (or a JSON body {"name":..,"partitions":..}) create a topic

        Prints "Kafka-protocol broker listening on <bootstrap servers>" once ready; stops on
        SIGTERM or Ctrl+C. Exit codes: 0 stopped, 1 could not start (e.g. port in use), 2 bad usage.
        """;

    /// <summary>
    /// Parses <paramref name="args"/> over <paramref name="environment"/>. Returns null with
    /// <paramref name="error"/> set on bad input, and null with no error when help was asked for.
    /// </summary>
    public static LocalKafkaSettings? Parse(IReadOnlyList<string> args, IDictionary environment, out string? error)
    {
        error = null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (option, variable) in Options)
        {
            if (environment[variable] is string value && value.Length > 0)
            {
                values[option] = value;
            }
        }

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help" or "-?")
            {
                return null;
            }

            var (name, inline) = arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0
                ? (arg[..eq], arg[(eq + 1)..])
                : (arg, null);
            if (!Options.ContainsKey(name))
            {
                error = $"unknown option '{arg}'";
                return null;
            }

            if (inline is null && i + 1 >= args.Count)
            {
                error = $"option '{name}' needs a value";
                return null;
            }

            values[name] = inline ?? args[++i];
        }

        try
        {
            var settings = new LocalKafkaSettings();
            settings = settings with
            {
                Host = values.GetValueOrDefault("--host", settings.Host),
                Port = ReadInt(values, "--port", settings.Port, 0, 65535),
                Brokers = ReadInt(values, "--brokers", settings.Brokers, 1, 16),
                Partitions = ReadInt(values, "--partitions", settings.Partitions, 1, 10_000),
                Topics = values.TryGetValue("--topics", out var topics)
                    ? topics.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    : settings.Topics,
                ControlPort = values.ContainsKey("--control-port") ? ReadInt(values, "--control-port", 0, 0, 65535) : null,
            };

            if (settings.Port != 0 && settings.Port + settings.Brokers - 1 > 65535)
            {
                throw new FormatException($"--port {settings.Port} leaves no room for {settings.Brokers} brokers");
            }

            if (settings.ControlPort is int control && control != 0 && settings.Port != 0
                && control >= settings.Port && control < settings.Port + settings.Brokers)
            {
                throw new FormatException($"--control-port {control} collides with the broker ports {settings.Port}-{settings.Port + settings.Brokers - 1}");
            }

            settings.ToClusterOptions().Validate();
            return settings;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return null;
        }
        catch (ArgumentException ex)
        {
            error = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", "", StringComparison.Ordinal);
            return null;
        }
    }

    private static readonly Dictionary<string, string> Options = new(StringComparer.Ordinal)
    {
        ["--host"] = "LOCALKAFKA_HOST",
        ["--port"] = "LOCALKAFKA_PORT",
        ["--brokers"] = "LOCALKAFKA_BROKERS",
        ["--partitions"] = "LOCALKAFKA_PARTITIONS",
        ["--topics"] = "LOCALKAFKA_TOPICS",
        ["--control-port"] = "LOCALKAFKA_CONTROL_PORT",
    };

    private static int ReadInt(Dictionary<string, string> values, string option, int fallback, int min, int max)
    {
        if (!values.TryGetValue(option, out var text))
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new FormatException($"{option} must be a whole number from {min} to {max}, not '{text}' (or {Options[option]})");
        }

        return value;
    }
}
