using Backoffice.Simulator.Producing;
using Backoffice.Simulator.Traffic;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backoffice.Simulator.Continuous;

/// <summary>
/// Produces simulated traffic until the host stops (or <c>Simulator:Payments</c> are done) at
/// <c>Simulator:EventsPerSecond</c> on average: each message is sent when the wall clock reaches its
/// simulated time, so event times (<c>updated_at</c>, <c>occurred_at</c>) match produce times. Names a few payments of each outcome at start-up so a developer
/// can look them up, and logs what it sent every <see cref="SimulatorOptions.LogInterval"/>.
/// </summary>
public sealed partial class SimulatorWorker(
    IOptions<TrafficOptions> traffic,
    IOptions<SimulatorOptions> options,
    IProducer<string, byte[]?> producer,
    SimulatorTopics topics,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory) : BackgroundService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<SimulatorWorker>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var generator = new TrafficGenerator(traffic.Value with { StartTime = timeProvider.GetUtcNow() });
        var settings = generator.Options;
        LogStarting(topics.Ledger, topics.PaymentOrder, settings.EventsPerSecond, settings.Seed, settings.EffectiveIdPrefix);
        AnnounceSamples(generator, options.Value.SampleCount);

        var tally = new TrafficTally();
        var simulatorProducer = new SimulatorProducer(producer, topics.For, timeProvider, loggerFactory.CreateLogger<SimulatorProducer>())
        {
            FlushTimeout = TimeSpan.FromSeconds(5),
        };
        using var reporting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var reporter = ReportAsync(tally, simulatorProducer, reporting.Token);
        try
        {
            await simulatorProducer.ProduceAsync(generator.Generate().Select(tally.Observe), ProducePacing.EventTime, deliveries: null, stoppingToken);
            LogFinished(simulatorProducer.Enqueued, simulatorProducer.Delivered, simulatorProducer.Failed);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogStopped(simulatorProducer.Enqueued, simulatorProducer.Delivered, simulatorProducer.Failed);
        }
        finally
        {
            await reporting.CancelAsync();
            await reporter;
        }
    }

    /// <summary>Plans are a pure function of the options, so the first payments' outcomes are known before a message is sent.</summary>
    private void AnnounceSamples(TrafficGenerator generator, int count)
    {
        if (count == 0)
        {
            return;
        }

        int complete = 0, incomplete = 0;
        foreach (var plan in generator.Plans(int.MaxValue))
        {
            if (plan.Scenario == PaymentScenario.Settled && complete < count)
            {
                complete++;
                LogCompleteSample(plan.OrderId, plan.PaymentTxId, plan.ReceiveTxId);
            }
            else if (plan.Scenario == PaymentScenario.LegWithheld && incomplete < count)
            {
                incomplete++;
                var reason = plan.WithheldTxId == plan.PaymentTxId ? "WAITING_FOR_PAYMENT" : "WAITING_FOR_RECEIVE";
                LogIncompleteSample(plan.OrderId, plan.SentTxIds[0], reason, plan.WithheldTxId!);
            }

            if ((complete == count && incomplete == count) || plan.Number > 10_000)
            {
                break;
            }
        }
    }

    private async Task ReportAsync(TrafficTally tally, SimulatorProducer simulatorProducer, CancellationToken cancellationToken)
    {
        var interval = options.Value.LogInterval;
        using var timer = new PeriodicTimer(interval, timeProvider);
        var last = tally.Snapshot();
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var current = tally.Snapshot();
                var delta = current - last;
                last = current;
                LogProgress(delta.Messages, interval, delta.Payments, delta.Withheld, delta.Duplicates, delta.Stale, delta.Malformed,
                    delta.Tombstones, simulatorProducer.Enqueued, simulatorProducer.Delivered, simulatorProducer.Failed);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulating payments to {LedgerTopic} and {PaymentOrderTopic} at {EventsPerSecond} events/s (seed {Seed}, ids prefixed {IdPrefix})")]
    private partial void LogStarting(string ledgerTopic, string paymentOrderTopic, double eventsPerSecond, long seed, string idPrefix);

    [LoggerMessage(Level = LogLevel.Information, Message = "Expect COMPLETE: payment order {OrderId}, ledger tx_ids {PaymentTxId} (PAYMENT) and {ReceiveTxId} (RECEIVE)")]
    private partial void LogCompleteSample(string orderId, string paymentTxId, string receiveTxId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Expect INCOMPLETE ({PairingReason}): payment order {OrderId}, ledger tx_id {TxId}; {WithheldTxId} is never sent")]
    private partial void LogIncompleteSample(string orderId, string txId, string pairingReason, string withheldTxId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent {Messages} messages in the last {Interval}: {Payments} new payments ({Withheld} with a leg withheld), {Duplicates} duplicates, {Stale} stale versions, {Malformed} malformed, {Tombstones} tombstones; {Total} sent, {Delivered} delivered, {Failed} failed in total")]
    private partial void LogProgress(long messages, TimeSpan interval, long payments, long withheld, long duplicates, long stale, long malformed, long tombstones, long total, long delivered, long failed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulation finished: {Sent} messages sent, {Delivered} delivered, {Failed} failed")]
    private partial void LogFinished(long sent, long delivered, long failed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulation stopped: {Sent} messages sent, {Delivered} delivered, {Failed} failed")]
    private partial void LogStopped(long sent, long delivered, long failed);
}

/// <summary>Counts of what the generator emitted, updated on the produce loop and read by the reporter.</summary>
internal sealed class TrafficTally
{
    private long _messages;
    private long _payments;
    private long _withheld;
    private long _duplicates;
    private long _stale;
    private long _malformed;
    private long _tombstones;
    private long _lastPayment;

    public long Messages => Interlocked.Read(ref _messages);

    public SimulatedMessage Observe(SimulatedMessage message)
    {
        Interlocked.Increment(ref _messages);
        switch (message.Kind)
        {
            case MessageKind.Duplicate:
                Interlocked.Increment(ref _duplicates);
                break;
            case MessageKind.Stale:
                Interlocked.Increment(ref _stale);
                break;
            case MessageKind.Malformed:
                Interlocked.Increment(ref _malformed);
                break;
            case MessageKind.Tombstone:
                Interlocked.Increment(ref _tombstones);
                break;
        }

        // Payments start in number order, so a higher number is a new payment.
        if (message.Payment is { } plan && plan.Number > _lastPayment)
        {
            _lastPayment = plan.Number;
            Interlocked.Increment(ref _payments);
            if (plan.Scenario == PaymentScenario.LegWithheld)
            {
                Interlocked.Increment(ref _withheld);
            }
        }

        return message;
    }

    public TallySnapshot Snapshot() => new(
        Interlocked.Read(ref _messages), Interlocked.Read(ref _payments), Interlocked.Read(ref _withheld),
        Interlocked.Read(ref _duplicates), Interlocked.Read(ref _stale), Interlocked.Read(ref _malformed), Interlocked.Read(ref _tombstones));
}

internal readonly record struct TallySnapshot(long Messages, long Payments, long Withheld, long Duplicates, long Stale, long Malformed, long Tombstones)
{
    public static TallySnapshot operator -(TallySnapshot a, TallySnapshot b) => new(
        a.Messages - b.Messages, a.Payments - b.Payments, a.Withheld - b.Withheld, a.Duplicates - b.Duplicates,
        a.Stale - b.Stale, a.Malformed - b.Malformed, a.Tombstones - b.Tombstones);
}
