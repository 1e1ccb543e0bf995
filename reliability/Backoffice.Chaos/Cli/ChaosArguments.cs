using System.Globalization;

namespace Backoffice.Chaos.Cli;

/// <summary>The command line: a scenario verb and <c>--name value</c> options.</summary>
public sealed class ChaosArguments
{
    private readonly Dictionary<string, string> _options;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private ChaosArguments(string verb, Dictionary<string, string> options)
    {
        Verb = verb;
        _options = options;
    }

    public string Verb { get; }

    public const string Usage = """
        Usage: dotnet run -c Release --project reliability/Backoffice.Chaos -- <scenario> [options]

        Oracle-checked reliability runs against a private PostgreSQL 15 and a private mock Kafka
        cluster, with the built Sync Consumer (and Admin API) as child processes. Prints one JSON
        summary on stdout (progress on stderr); exits 0 when the database ended equal to the
        simulator's oracle (lost = 0) and nothing else went wrong, 1 otherwise, 2 on a usage error.

        Scenarios:
          sigkill        the consumer killed with SIGKILL at random points while draining, restarted each time
          rebalance      3 consumers in one group, instances stopped (SIGTERM and SIGKILL) and started mid-stream
          broker-faults  broker down, Fetch and OffsetCommit errors, added latency
          db-faults      PostgreSQL restarted mid-batch, the consumer's sessions terminated, statement timeouts
          soak           Admin API lookups and paced events for a while: errors, freshness, memory

        Options (every scenario):
          --seed N            seed of the traffic and of the random fault points (default 1)
          --logs DIR          keep every child process's output in DIR
          --quiet-wait-seconds N  wait up to N s for the 1-minute load average to drop below 1.5
                              before starting (default 120; the summary records the load)
        Options (oracle-checked scenarios):
          --events N          messages to simulate (default 200000)
          --partitions N      partitions per topic (default 24; the mock broker keeps 5 MB per partition)
          --kills N           sigkill: kills (default 5)
          --changes N         rebalance: membership changes (default 8)
          --events-per-second N   broker-faults, db-faults: paced production rate (default 2000)
          --cycles N          broker-faults, db-faults: times the sequence of faults is repeated (default 3)
          --session-timeout-ms N  consumers' session timeout (default 3000)
        Options (soak):
          --minutes N         duration (default 10)
          --events-per-second N   produced events per second (default 2000)
          --lookups-per-second N  Admin API lookups per second (default 500)
          --warm-up-minutes N     excluded from the memory growth (default 2)
          --sample-seconds N      sampling period (default 30)
          --freshness-target-ms N freshness p95 every window must meet (default 250)
          --fetch-wait-max-ms N   the consumer's fetch.wait.max.ms (default 10: the mock broker holds an
                                  empty fetch for all of it even when data arrives; 500 shows that)
          --partitions N          partitions per topic (default 12)
          --quiet-service-logs true   both services log warnings only (as shipped, the API logs
                                  every SQL command at Information)
        """;

    public static ChaosArguments? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        if (args.Count == 0 || args[0].StartsWith('-'))
        {
            error = "A scenario is required.";
            return null;
        }

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                error = $"Expected --option value at '{args[i]}'.";
                return null;
            }

            options[args[i][2..]] = args[i + 1];
        }

        return new ChaosArguments(args[0], options);
    }

    /// <summary>A whole number option (digits only).</summary>
    public int Whole(string name, int defaultValue, int min = 0) =>
        Number(name, defaultValue, s => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture), min);

    /// <summary>A large whole number option (digits only).</summary>
    public long Count(string name, long defaultValue, long min = 0) =>
        Number(name, defaultValue, s => long.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture), min);

    /// <summary>A number with an optional fraction.</summary>
    public double Real(string name, double defaultValue, double min = 0) =>
        Number(name, defaultValue, s => double.Parse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture), min);

    public string? Text(string name)
    {
        _read.Add(name);
        return _options.GetValueOrDefault(name);
    }

    /// <summary>Options given but never read by the scenario: a typo, most likely.</summary>
    public IEnumerable<string> Unread => _options.Keys.Where(k => !_read.Contains(k));

    private T Number<T>(string name, T defaultValue, Func<string, T> parse, T min)
        where T : IComparable<T>
    {
        _read.Add(name);
        if (!_options.TryGetValue(name, out var text))
        {
            return defaultValue;
        }

        T value;
        try
        {
            value = parse(text);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"--{name} must be a number, not '{text}'.");
        }
        catch (OverflowException)
        {
            throw new ArgumentException($"--{name} is out of range: '{text}'.");
        }

        return value.CompareTo(min) < 0 ? throw new ArgumentException($"--{name} must be at least {min}.") : value;
    }
}
