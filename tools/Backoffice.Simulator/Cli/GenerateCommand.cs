using System.Text.Json;
using Backoffice.Kafka.Clients;
using Backoffice.Simulator.Oracle;
using Backoffice.Simulator.Producing;
using Backoffice.Simulator.Traffic;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Backoffice.Simulator.Cli;

/// <summary>
/// <c>generate</c>: a fixed amount of traffic, produced (or not) and written with its oracle; a JSON
/// summary on stdout, logs on stderr.
/// </summary>
public static class GenerateCommand
{
    public const int Success = 0;
    public const int DeliveryFailed = 1;
    public const int UsageError = 2;

    public static async Task<int> RunAsync(
        IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, ILoggerFactory loggerFactory, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var arguments = GenerateArguments.Parse(args, timeProvider.GetUtcNow(), Environment.GetEnvironmentVariable, out var error);
        if (arguments is null)
        {
            await stderr.WriteLineAsync($"{error}{Environment.NewLine}{Environment.NewLine}{GenerateArguments.Usage}");
            return UsageError;
        }

        var profile = arguments.KafkaProfile();
        var topics = SimulatorTopics.From(profile);
        var generator = new TrafficGenerator(arguments.Traffic);
        var oracle = new OracleBuilder();
        long payments = 0;
        await using var messageFile = arguments.MessagesPath is { } messagesPath ? MessageFile.Create(messagesPath) : null;
        var messages = generator.Generate(arguments.StopAfterMessages).Select(m =>
        {
            oracle.Add(m);
            messageFile?.Write(m);
            payments = Math.Max(payments, m.Payment?.Number ?? 0);
            return m;
        });

        var started = timeProvider.GetTimestamp();
        DeliveryLog? deliveries = null;
        ProduceSummary? produced = null;
        if (arguments.Produce)
        {
            deliveries = new DeliveryLog();
            var config = new ProducerConfig();
            SimulatorKafka.ApplyProducerDefaults(config, bulk: arguments.Rate is 0 or > 1_000);
            using var producer = new KafkaClientFactory(profile, loggerFactory).CreateProducerBuilder<string, byte[]?>(config).Build();
            var simulatorProducer = new SimulatorProducer(producer, topics.For, timeProvider, loggerFactory.CreateLogger<SimulatorProducer>())
            {
                // As long as librdkafka's message timeout: the flush ends when every message is delivered or failed.
                FlushTimeout = TimeSpan.FromMinutes(5),
            };
            produced = await simulatorProducer.ProduceAsync(messages, ProducePacing.Rate(arguments.Rate), deliveries, cancellationToken);
        }
        else
        {
            foreach (var _ in messages)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        var elapsed = timeProvider.GetElapsedTime(started);
        var state = oracle.Build(deliveries is null ? null : deliveries.PositionOf);
        if (arguments.OraclePath is { } oraclePath)
        {
            var run = new OracleRun(arguments.Traffic, arguments.Produce ? topics.ByStreamName : null, arguments.Produce);
            await OracleFile.WriteAsync(oraclePath, state, run, cancellationToken);
        }

        await stdout.WriteLineAsync(Summary(arguments, topics, state, payments, produced, elapsed));
        if (produced is { } p && p.Delivered != p.Enqueued)
        {
            await stderr.WriteLineAsync($"{p.Enqueued - p.Delivered} of {p.Enqueued} messages were not delivered ({p.FirstError ?? "flush timed out"}).");
            return DeliveryFailed;
        }

        return Success;
    }

    private static string Summary(GenerateArguments arguments, SimulatorTopics topics, ExpectedState state, long payments, ProduceSummary? produced, TimeSpan elapsed)
    {
        var counts = state.Counts;
        var summary = new
        {
            seed = arguments.Traffic.Seed,
            id_prefix = arguments.Traffic.EffectiveIdPrefix,
            payments,
            messages = counts.Messages,
            by_kind = counts.ByKind,
            by_stream = counts.ByStream,
            dlq_by_error_code = counts.DlqByErrorCode,
            ledger_entries = counts.LedgerEntries,
            payment_orders = counts.PaymentOrders,
            pairs_by_status = counts.PairsByStatus,
            topics = arguments.Produce ? topics.ByStreamName : null,
            produced = produced?.Delivered ?? 0,
            failed = produced?.Failed ?? 0,
            elapsed_seconds = Math.Round(elapsed.TotalSeconds, 3),
            rate_per_second = elapsed > TimeSpan.Zero ? Math.Round(counts.Messages / elapsed.TotalSeconds, 1) : 0,
            oracle = arguments.OraclePath,
            messages_file = arguments.MessagesPath,
        };
        return JsonSerializer.Serialize(summary, OracleFile.SerializerOptions);
    }

    /// <summary>Runs the command as the process entry point: console writers, Ctrl+C cancels, logs to stderr.</summary>
    public static async Task<int> MainAsync(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        // stdout carries only the JSON summary.
        using var loggerFactory = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(LogLevel.Information)
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        try
        {
            return await RunAsync(args, Console.Out, Console.Error, loggerFactory, TimeProvider.System, cancellation.Token);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Cancelled.");
            return 130;
        }
    }
}
