using System.Diagnostics;

namespace Backoffice.Simulator.Producing;

/// <summary>The simulator's trace source: one producer span per message, the root of the trace the consumer continues.</summary>
public static class SimulatorTelemetry
{
    public const string ActivitySourceName = "Backoffice.Simulator";
    public const string TxIdTag = "bo.tx_id";
    public const string OrderIdTag = "bo.order_id";
    public const string RelatedIdTag = "bo.related_id";
    public const string TraceparentHeader = "traceparent";

    public static ActivitySource ActivitySource { get; } = new(ActivitySourceName);
}
