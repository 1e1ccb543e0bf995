using System.Diagnostics;
using Backoffice.SyncConsumer.Normalisation;

namespace Backoffice.SyncConsumer.Ingest;

/// <summary>How one consumed message ended (the <c>result</c> label of <c>consumer_messages_total</c>).</summary>
public enum MessageResult
{
    Upserted,
    Stale,
    Duplicate,
    Dlq,
    Skipped,
}

/// <summary>One consumed message in a batch: what the normaliser made of it, its span, and once its transaction committed, its result.</summary>
public sealed class BatchItem(InboundMessage message, NormalisationResult normalised, Activity? span = null)
{
    public InboundMessage Message { get; } = message;

    public NormalisationResult Normalised { get; } = normalised;

    public Activity? Span { get; } = span;

    /// <summary>Set when the transaction holding this message's effect has committed.</summary>
    public MessageResult? Result { get; internal set; }

    /// <summary>The DLQ error code when <see cref="Result"/> is <see cref="MessageResult.Dlq"/>.</summary>
    public string? DlqErrorCode { get; internal set; }

    public static string Label(MessageResult result) => result switch
    {
        MessageResult.Upserted => "upserted",
        MessageResult.Stale => "stale",
        MessageResult.Duplicate => "duplicate",
        MessageResult.Dlq => "dlq",
        MessageResult.Skipped => "skipped",
        _ => throw new ArgumentOutOfRangeException(nameof(result), result, null),
    };
}
