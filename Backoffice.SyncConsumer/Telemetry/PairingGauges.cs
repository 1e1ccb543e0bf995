using System.Diagnostics.Metrics;

namespace Backoffice.SyncConsumer.Telemetry;

/// <summary>The latest pairing counts read by <see cref="Pairing.PairingGaugeRefresher"/>; unknown until the first read.</summary>
public sealed class PairingGauges
{
    private long _incomplete = -1;
    private long _incompleteStale = -1;

    public void Set(long incomplete, long incompleteStale)
    {
        Interlocked.Exchange(ref _incomplete, incomplete);
        Interlocked.Exchange(ref _incompleteStale, incompleteStale);
    }

    public IEnumerable<Measurement<long>> ObserveIncomplete() => Observe(Interlocked.Read(ref _incomplete));

    public IEnumerable<Measurement<long>> ObserveIncompleteStale() => Observe(Interlocked.Read(ref _incompleteStale));

    private static IEnumerable<Measurement<long>> Observe(long value) => value < 0 ? [] : [new Measurement<long>(value)];
}
