using System.Diagnostics;
using System.Text;
using Backoffice.Simulator.Traffic;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Backoffice.Simulator.Producing;

/// <summary>How fast to produce.</summary>
public sealed record ProducePacing
{
    private ProducePacing(double eventsPerSecond, bool followEventTime)
    {
        EventsPerSecond = eventsPerSecond;
        FollowEventTime = followEventTime;
    }

    /// <summary>As fast as the client accepts (bulk loads).</summary>
    public static ProducePacing Unpaced { get; } = new(0, false);

    /// <summary>
    /// Each message when the wall clock reaches its simulated time (<see cref="SimulatedMessage.At"/>):
    /// event times then match produce times, and after a stall the producer catches up.
    /// </summary>
    public static ProducePacing EventTime { get; } = new(0, true);

    /// <summary>A steady rate (token bucket); 0 means unpaced.</summary>
    public double EventsPerSecond { get; }

    public bool FollowEventTime { get; }

    public static ProducePacing Rate(double eventsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(eventsPerSecond);
        return eventsPerSecond == 0 ? Unpaced : new(eventsPerSecond, false);
    }
}

/// <summary>The result of one <see cref="SimulatorProducer.ProduceAsync"/> call.</summary>
public sealed record ProduceSummary(long Enqueued, long Delivered, long Failed, TimeSpan Elapsed, string? FirstError)
{
    public double DeliveredPerSecond => Elapsed > TimeSpan.Zero ? Delivered / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Sends generated messages to the stream topics through an idempotent producer (acks=all), paced
/// by a token bucket, by the messages' simulated times, or not at all (<see cref="ProducePacing"/>), with a W3C <c>traceparent</c> header on
/// every message from a producer span of <see cref="SimulatorTelemetry.ActivitySource"/>. Delivery
/// reports are recorded in a <see cref="DeliveryLog"/> when one is given. Always flushes before returning.
/// </summary>
public sealed partial class SimulatorProducer
{
    private static readonly TimeSpan QueueFullBackoff = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(1);

    private readonly IProducer<string, byte[]?> _producer;
    private readonly Func<StreamKind, string> _topicOf;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private long _enqueued;
    private long _delivered;
    private long _failed;
    private string? _firstError;

    public SimulatorProducer(IProducer<string, byte[]?> producer, Func<StreamKind, string> topicOf, TimeProvider timeProvider, ILogger<SimulatorProducer> logger)
    {
        _producer = producer;
        _topicOf = topicOf;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Messages handed to the client so far (all calls).</summary>
    public long Enqueued => Interlocked.Read(ref _enqueued);

    /// <summary>Messages the broker acknowledged so far.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Messages that failed for good (after the client's own retries).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>How long a flush may take when production stops (also on cancellation).</summary>
    public TimeSpan FlushTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Produces <paramref name="messages"/> paced by <paramref name="pacing"/>, then flushes. On
    /// cancellation it stops enqueueing, still flushes (up to <see cref="FlushTimeout"/>) and throws.
    /// </summary>
    public async Task<ProduceSummary> ProduceAsync(
        IEnumerable<SimulatedMessage> messages, ProducePacing pacing, DeliveryLog? deliveries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(pacing);
        var bucket = pacing.EventsPerSecond > 0 ? new TokenBucket(pacing.EventsPerSecond, _timeProvider) : null;
        var started = _timeProvider.GetTimestamp();
        var (enqueuedBefore, deliveredBefore, failedBefore) = (Enqueued, Delivered, Failed);
        try
        {
            foreach (var message in messages)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (bucket is not null)
                {
                    await bucket.TakeAsync(cancellationToken);
                }
                else if (pacing.FollowEventTime)
                {
                    // A timer measures its wait on the monotonic clock, the event time is wall-clock
                    // time, and an adjustment of the wall clock (seen on VMs) can end the wait early:
                    // wait again until the wall clock has really reached the event time.
                    while (message.At - _timeProvider.GetUtcNow() is var wait && wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait < MinimumWait ? MinimumWait : wait, _timeProvider, cancellationToken);
                    }
                }

                await EnqueueAsync(message, deliveries, cancellationToken);
            }
        }
        finally
        {
            await FlushAsync();
        }

        return new ProduceSummary(
            Enqueued - enqueuedBefore, Delivered - deliveredBefore, Failed - failedBefore,
            _timeProvider.GetElapsedTime(started), _firstError);
    }

    private async ValueTask EnqueueAsync(SimulatedMessage message, DeliveryLog? deliveries, CancellationToken cancellationToken)
    {
        var topic = _topicOf(message.Stream);
        var activity = StartProduceActivity(message, topic);
        var kafkaMessage = new Message<string, byte[]?>
        {
            Key = message.Key,
            Value = message.Value,
            Headers = new Headers { { SimulatorTelemetry.TraceparentHeader, Encoding.ASCII.GetBytes(Traceparent(activity)) } },
        };
        var sequence = message.Sequence;
        while (true)
        {
            try
            {
                _producer.Produce(topic, kafkaMessage, report => OnDelivered(report, sequence, activity, deliveries));
                Interlocked.Increment(ref _enqueued);
                return;
            }
            catch (ProduceException<string, byte[]?> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                // The client's queue is full: wait for deliveries to drain it (back-pressure, not an error).
                await Task.Delay(QueueFullBackoff, _timeProvider, cancellationToken);
            }
            catch
            {
                activity?.SetStatus(ActivityStatusCode.Error);
                activity?.Dispose();
                throw;
            }
        }
    }

    private void OnDelivered(DeliveryReport<string, byte[]?> report, long sequence, Activity? activity, DeliveryLog? deliveries)
    {
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref _failed);
            if (Interlocked.CompareExchange(ref _firstError, $"{report.Error.Code}: {report.Error.Reason}", null) is null)
            {
                LogDeliveryFailed(report.Topic, report.Error.Code, report.Error.Reason);
            }

            activity?.SetStatus(ActivityStatusCode.Error, report.Error.Reason);
        }
        else
        {
            Interlocked.Increment(ref _delivered);
            deliveries?.Record(sequence, report.Topic, report.Partition.Value, report.Offset.Value);
            activity?.SetTag("messaging.destination.partition.id", report.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            activity?.SetTag("messaging.kafka.offset", report.Offset.Value);
        }

        activity?.Dispose();
    }

    private static Activity? StartProduceActivity(SimulatedMessage message, string topic)
    {
        var source = SimulatorTelemetry.ActivitySource;
        if (!source.HasListeners())
        {
            return null;
        }

        // Every message starts its own trace, whatever happens to be current on this thread.
        var previous = Activity.Current;
        Activity.Current = null;
        var activity = source.StartActivity($"send {topic}", ActivityKind.Producer);
        Activity.Current = previous;
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("messaging.system", "kafka");
        activity.SetTag("messaging.operation.type", "send");
        activity.SetTag("messaging.destination.name", topic);
        activity.SetTag("messaging.kafka.message.key", message.Key);
        activity.SetTag("bo.simulator.kind", message.Kind.ToString());
        if (message.ExpectedErrorCode is { } code)
        {
            activity.SetTag("bo.simulator.expected_error_code", code);
        }

        if (message.TxId is { } txId)
        {
            activity.SetTag(SimulatorTelemetry.TxIdTag, txId);
        }

        if (message.OrderId is { } orderId)
        {
            activity.SetTag(SimulatorTelemetry.OrderIdTag, orderId);
        }

        if (message.RelatedId is { } relatedId)
        {
            activity.SetTag(SimulatorTelemetry.RelatedIdTag, relatedId);
        }

        return activity;
    }

    /// <summary>
    /// The span's W3C id; without a listener (CLI runs without telemetry) a fresh sampled trace id,
    /// so the consumer still starts a trace per message as it would behind a real upstream producer.
    /// </summary>
    private static string Traceparent(Activity? activity) =>
        activity is { IdFormat: ActivityIdFormat.W3C, Id: { } id }
            ? id
            : $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01";

    private async Task FlushAsync()
    {
        // Flush blocks its thread; keep it off the caller's. Not cancellable on purpose: stopping
        // without flushing would drop queued messages the oracle already counts.
        var remaining = await Task.Run(() => _producer.Flush(FlushTimeout));
        if (remaining > 0)
        {
            LogFlushIncomplete(remaining, FlushTimeout);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery to {Topic} failed: {Code} {Reason} (further failures are counted, not logged)")]
    private partial void LogDeliveryFailed(string topic, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Remaining} messages were still queued after flushing for {Timeout}")]
    private partial void LogFlushIncomplete(int remaining, TimeSpan timeout);
}
