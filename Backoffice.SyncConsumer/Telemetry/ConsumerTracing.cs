using System.Diagnostics;
using System.Text;
using Backoffice.SyncConsumer.Normalisation;

namespace Backoffice.SyncConsumer.Telemetry;

/// <summary>
/// One span per consumed message (§7), a child of the producer's W3C <c>traceparent</c> header when
/// present, ending after the transaction that stored it commits.
/// </summary>
public static class ConsumerTracing
{
    public const string SourceName = "Backoffice.SyncConsumer";

    /// <summary>Keeps a 500-message batch span small; the first links are enough to navigate.</summary>
    private const int MaxLinks = 64;

    public static ActivitySource Source { get; } = new(SourceName);

    /// <summary>Starts the span of a message without making it <see cref="Activity.Current"/> (a batch holds many).</summary>
    public static Activity? StartMessage(InboundMessage message, string groupId)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var parent = default(ActivityContext);
        var traceParent = Header(message, "traceparent");
        if (traceParent is not null)
        {
            ActivityContext.TryParse(traceParent, Header(message, "tracestate"), isRemote: true, out parent);
        }

        var previous = Activity.Current;
        Activity.Current = null;
        var activity = Source.StartActivity($"process {message.Topic}", ActivityKind.Consumer, parent);
        Activity.Current = previous;
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", message.Topic);
            activity.SetTag("messaging.destination.partition.id", message.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
            activity.SetTag("messaging.kafka.offset", message.Offset);
            activity.SetTag("messaging.consumer.group.name", groupId);
            if (message.Key is { Length: > 0 } key)
            {
                activity.SetTag("messaging.kafka.message.key", Encoding.UTF8.GetString(key));
            }
        }

        return activity;
    }

    /// <summary>
    /// The span of one batch write (the current span while it runs, so database spans nest under it),
    /// a root linked to the spans of the messages it writes.
    /// </summary>
    public static Activity? StartBatch(IReadOnlyCollection<Ingest.BatchItem> items)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var links = items.Where(i => i.Span is not null).Take(MaxLinks).Select(i => new ActivityLink(i.Span!.Context)).ToList();
        var activity = Source.StartActivity("write batch", ActivityKind.Internal, parentContext: default, links: links);
        activity?.SetTag("bo.batch_size", items.Count);
        return activity;
    }

    private static string? Header(InboundMessage message, string name)
    {
        for (var i = message.Headers.Count - 1; i >= 0; i--)
        {
            if (string.Equals(message.Headers[i].Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return Encoding.UTF8.GetString(message.Headers[i].Value);
            }
        }

        return null;
    }
}
