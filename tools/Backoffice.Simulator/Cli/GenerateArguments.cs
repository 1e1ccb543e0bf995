using System.Globalization;
using Backoffice.Kafka.Profiles;
using Backoffice.Simulator.Traffic;

namespace Backoffice.Simulator.Cli;

/// <summary>The parsed command line of <c>generate</c>.</summary>
public sealed record GenerateArguments(
    TrafficOptions Traffic,
    long? StopAfterMessages,
    string? BootstrapServers,
    string Profile,
    string? LedgerTopic,
    string? PaymentOrderTopic,
    double Rate,
    string? OraclePath,
    string? MessagesPath,
    bool Produce,
    string? EventHubsConnectionString = null)
{
    /// <summary>The Kafka profile to produce with: the named profile's topics and security, with the topic overrides.</summary>
    public KafkaProfile KafkaProfile()
    {
        var topics = new Dictionary<string, string>(KafkaProfiles.DefaultTopics(Profile), StringComparer.Ordinal);
        topics[KafkaStreams.Ledger] = LedgerTopic ?? topics[KafkaStreams.Ledger];
        topics[KafkaStreams.PaymentOrder] = PaymentOrderTopic ?? topics[KafkaStreams.PaymentOrder];
        return new KafkaProfile(Profile, BootstrapServers ?? "", topics, EventHubsConnectionString);
    }

    /// <summary>Simulated rate of unpaced runs: keeps the payments in flight (and memory) small while spreading event times.</summary>
    public const double UnpacedEventsPerSecond = 5_000;

    public const string Usage = """
        Usage: Backoffice.Simulator generate (--payments N | --events N) [options]

        Generates simulated payment traffic, produces it to the profile's topics and writes the
        expected final database state (the oracle). Exits 0 when every message was delivered and
        the files were written, 1 when a delivery failed, 2 on a usage error.

          --payments N             number of payments to simulate
          --events N               or: start payments until about N messages were generated
          --seed N                 random seed (default 42); ids depend only on the seed and shares
          --id-prefix P            prefix of every id (default s<seed>)
          --start-time T           simulated time of the first payment, RFC 3339 (default: now when
                                   paced; unpaced, early enough that the last events are about now)
          --bootstrap-servers S    Kafka bootstrap servers (default: ConnectionStrings__kafka)
          --profile P              local | cloud-test | cloud-secure: topics and security (default
                                   local; cloud-test reads its password from ConnectionStrings__eventhubs)
          --ledger-topic T         override the ledger topic
          --payment-order-topic T  override the payment order topic
          --rate R                 messages per second, 0 = as fast as possible (default 0)
          --oracle PATH            write the oracle (expected final state) as JSON
          --messages PATH          write every message as JSON Lines (value, kind, expected code, fact)
          --no-produce             only generate and write the files
          --withheld-share X       payments whose second leg never arrives (default 0.05)
          --rollback-share X       payments rolled back, no legs (default 0.05)
          --mismatch-share X       payments whose legs differ in amount (default 0.01)
          --duplicate-share X      re-sent versions, per first send (default 0.05)
          --stale-share X          older versions sent late, per first send (default 0.05)
          --malformed-share X      malformed messages, per first send (default 0.01)
          --tombstone-share X      tombstones, per first send (default 0.002)
          --unversioned-share X    single-version legs without version keys (default 0.02)
          --debezium-share X       valid messages as Debezium change events (default 0.15)
          --alias-share X          valid flat messages with producer aliases (default 0.3)
          --leg-update-share X     legs sent as PENDING then POSTED (default 0.5)
          --wallets N              wallet population (default 1000)
          --busy-wallets N         wallets that take 30 % of the traffic (default 5)
        """;

    /// <summary>Parses <paramref name="args"/> (after the <c>generate</c> verb); null with <paramref name="error"/> on a usage error.</summary>
    public static GenerateArguments? Parse(IReadOnlyList<string> args, DateTimeOffset now, Func<string, string?> environment, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var produce = true;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--no-produce")
            {
                produce = false;
                continue;
            }

            if (!name.StartsWith("--", StringComparison.Ordinal) || !Options.Contains(name))
            {
                error = $"Unknown argument '{name}'.";
                return null;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{name} needs a value.";
                return null;
            }

            values[name] = args[++i];
        }

        try
        {
            var payments = Int(values, "--payments");
            var events = Long(values, "--events");
            if (payments is null == events is null)
            {
                error = "Give exactly one of --payments and --events.";
                return null;
            }

            var seed = Long(values, "--seed") ?? 42;
            var defaults = new TrafficOptions();
            var rate = Double(values, "--rate") ?? 0;
            // Paced, the simulated clock starts now and keeps up with the producer. Unpaced, it runs at
            // UnpacedEventsPerSecond and ends about now, so no event time lies in the future.
            var simulatedRate = rate > 0 ? rate : UnpacedEventsPerSecond;
            var expectedMessages = events ?? (payments * 7L);
            var startTime = values.TryGetValue("--start-time", out var start)
                ? DateTimeOffset.Parse(start, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
                : new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero)
                    - (rate > 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Ceiling(expectedMessages!.Value / simulatedRate)));
            var traffic = defaults with
            {
                Seed = seed,
                IdPrefix = values.GetValueOrDefault("--id-prefix"),
                Payments = payments,
                StartTime = startTime,
                EventsPerSecond = simulatedRate,
                WithheldShare = Double(values, "--withheld-share") ?? defaults.WithheldShare,
                RollbackShare = Double(values, "--rollback-share") ?? defaults.RollbackShare,
                AmountMismatchShare = Double(values, "--mismatch-share") ?? defaults.AmountMismatchShare,
                DuplicateShare = Double(values, "--duplicate-share") ?? defaults.DuplicateShare,
                StaleShare = Double(values, "--stale-share") ?? defaults.StaleShare,
                MalformedShare = Double(values, "--malformed-share") ?? defaults.MalformedShare,
                TombstoneShare = Double(values, "--tombstone-share") ?? defaults.TombstoneShare,
                UnversionedShare = Double(values, "--unversioned-share") ?? defaults.UnversionedShare,
                DebeziumShare = Double(values, "--debezium-share") ?? defaults.DebeziumShare,
                AliasShare = Double(values, "--alias-share") ?? defaults.AliasShare,
                LegUpdateShare = Double(values, "--leg-update-share") ?? defaults.LegUpdateShare,
                WalletCount = Int(values, "--wallets") ?? defaults.WalletCount,
                BusyWalletCount = Int(values, "--busy-wallets") ?? defaults.BusyWalletCount,
            };
            traffic.Validate();
            if (rate < 0)
            {
                error = "--rate must not be negative.";
                return null;
            }

            if (events is < 1)
            {
                error = "--events must be positive.";
                return null;
            }

            var bootstrap = values.GetValueOrDefault("--bootstrap-servers") ?? environment("ConnectionStrings__kafka");
            if (produce && string.IsNullOrWhiteSpace(bootstrap))
            {
                error = "--bootstrap-servers is required (or ConnectionStrings__kafka, or --no-produce).";
                return null;
            }

            var profile = values.GetValueOrDefault("--profile") ?? KafkaProfiles.Local;
            if (!KafkaProfiles.All.Contains(profile))
            {
                error = $"--profile: unknown Kafka profile '{profile}' (expected one of: {string.Join(", ", KafkaProfiles.All)}).";
                return null;
            }

            var eventHubs = environment("ConnectionStrings__eventhubs");
            if (produce && profile == KafkaProfiles.CloudTest && string.IsNullOrWhiteSpace(eventHubs))
            {
                error = "--profile cloud-test needs the Event Hubs connection string in ConnectionStrings__eventhubs (the SASL PLAIN password).";
                return null;
            }

            error = null;
            return new GenerateArguments(traffic, events, bootstrap, profile,
                values.GetValueOrDefault("--ledger-topic"), values.GetValueOrDefault("--payment-order-topic"),
                rate, values.GetValueOrDefault("--oracle"), values.GetValueOrDefault("--messages"), produce, eventHubs);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or System.ComponentModel.DataAnnotations.ValidationException)
        {
            error = ex.Message;
            return null;
        }
    }

    private static readonly HashSet<string> Options =
    [
        "--payments", "--events", "--seed", "--id-prefix", "--start-time", "--bootstrap-servers", "--profile",
        "--ledger-topic", "--payment-order-topic", "--rate", "--oracle", "--messages",
        "--withheld-share", "--rollback-share", "--mismatch-share", "--duplicate-share", "--stale-share",
        "--malformed-share", "--tombstone-share", "--unversioned-share", "--debezium-share", "--alias-share",
        "--leg-update-share", "--wallets", "--busy-wallets",
    ];

    private static int? Int(Dictionary<string, string> values, string name) =>
        values.TryGetValue(name, out var text) ? Parse(name, text, s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture)) : null;

    private static long? Long(Dictionary<string, string> values, string name) =>
        values.TryGetValue(name, out var text) ? Parse(name, text, s => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture)) : null;

    private static double? Double(Dictionary<string, string> values, string name) =>
        values.TryGetValue(name, out var text) ? Parse(name, text, s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)) : null;

    private static T Parse<T>(string name, string text, Func<string, T> parse)
    {
        try
        {
            return parse(text);
        }
        catch (FormatException)
        {
            throw new FormatException($"{name}: '{text}' is not a valid number.");
        }
    }
}
