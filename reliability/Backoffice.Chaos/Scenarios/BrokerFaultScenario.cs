using Backoffice.Chaos.Environment;
using Backoffice.LocalInfra.Kafka;
using Confluent.Kafka;

namespace Backoffice.Chaos.Scenarios;

public sealed record BrokerFaultOptions : ChaosOptions
{
    public BrokerFaultOptions() => EventsPerSecond = 1_000;

    /// <summary>How long the (only) broker is down: longer than the session timeout, so the group forgets the consumer.</summary>
    public TimeSpan DownFor { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan AddedLatency { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan LatencyFor { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Kafka misbehaves while traffic flows (paced) and the consumer keeps up, through the mock broker's
/// fault injection: the broker goes down (connections dropped and refused, the group coordinator
/// and the producer's acknowledgements with it), Fetch requests fail, offset commits are refused,
/// and every response is delayed.
/// </summary>
public static class BrokerFaultScenario
{
    public const string Name = "broker-faults";

    /// <summary>Errors for the next Fetch requests: leadership moved, a timeout, a dropped connection.</summary>
    public static readonly ErrorCode[] FetchErrors =
    [
        ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.Local_Transport,
        ErrorCode.NotLeaderForPartition, ErrorCode.UnknownTopicOrPart, ErrorCode.RequestTimedOut,
    ];

    /// <summary>Errors for the next OffsetCommit requests: coordinator trouble, a rebalance, a stale generation, a dropped connection.</summary>
    public static readonly ErrorCode[] CommitErrors =
    [
        ErrorCode.RequestTimedOut, ErrorCode.NotCoordinatorForGroup, ErrorCode.GroupLoadInProgress,
        ErrorCode.RebalanceInProgress, ErrorCode.IllegalGeneration, ErrorCode.Local_Transport,
    ];

    public static async Task<ScenarioResult> RunAsync(ChaosEnvironment environment, BrokerFaultOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        await using var run = await ChaosRun.StartAsync(Name, environment, options, null, cancellationToken);
        var kafka = environment.Kafka;
        var broker = kafka.BrokerIds.First();
        run.Fleet.Start();
        run.StartProducing(cancellationToken);
        for (var cycle = 0; cycle < options.Cycles; cycle++)
        {
            await run.AtProductionShareAsync(cycle, 0.1, cancellationToken);
            await run.RecordFaultAsync("broker-down", $"broker {broker} down for {options.DownFor.TotalSeconds} s");
            kafka.SetBrokerDown(broker);
            await Task.Delay(options.DownFor, cancellationToken);
            kafka.SetBrokerUp(broker);
            run.Timeline.Note($"broker {broker} up");

            await run.AtProductionShareAsync(cycle, 0.35, cancellationToken);
            await run.RecordFaultAsync("fetch-errors", string.Join(", ", FetchErrors));
            kafka.PushBrokerRequestErrors(broker, KafkaApiKey.Fetch, FetchErrors);
            await WaitUntilServedAsync(run, kafka, broker, KafkaApiKey.Fetch, cancellationToken);

            await run.AtProductionShareAsync(cycle, 0.55, cancellationToken);
            await run.RecordFaultAsync("offset-commit-errors", string.Join(", ", CommitErrors));
            kafka.PushBrokerRequestErrors(broker, KafkaApiKey.OffsetCommit, CommitErrors);
            await WaitUntilServedAsync(run, kafka, broker, KafkaApiKey.OffsetCommit, cancellationToken);

            await run.AtProductionShareAsync(cycle, 0.75, cancellationToken);
            await run.RecordFaultAsync("latency", $"every response {options.AddedLatency.TotalMilliseconds} ms late for {options.LatencyFor.TotalSeconds} s");
            kafka.SetBrokerRtt(broker, options.AddedLatency);
            await Task.Delay(options.LatencyFor, cancellationToken);
            kafka.SetBrokerRtt(broker, TimeSpan.Zero);
            run.Timeline.Note("latency removed");
        }

        return await run.FinishAsync(cancellationToken);
    }

    /// <summary>Waits until the consumer's requests have taken every injected error (fails if they never do).</summary>
    private static async Task WaitUntilServedAsync(ChaosRun run, MockKafkaCluster kafka, int broker, KafkaApiKey api, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (kafka.PendingBrokerRequestErrors(broker, api) is var pending and > 0)
        {
            if (run.Fleet.Failure() is { } failure)
            {
                throw new ChaosRunException(failure);
            }

            if (DateTime.UtcNow > deadline)
            {
                run.Problem($"{pending} injected {api} errors were still unserved after 60 s");
                return;
            }

            await Task.Delay(50, cancellationToken);
        }

        run.Timeline.Note($"every injected {api} error served");
    }
}
