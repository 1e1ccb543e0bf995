using Backoffice.Simulator.Traffic;

namespace Backoffice.Tests.Simulator;

/// <summary>One generated run of a few thousand payments with default shares, shared by the tests of a class.</summary>
public sealed class GeneratedTraffic
{
    public const int PaymentCount = 3_000;

    public GeneratedTraffic()
    {
        Options = new TrafficOptions { Seed = 7, Payments = PaymentCount, StartTime = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero) };
        Messages = new TrafficGenerator(Options).Generate().ToList();
        Plans = Messages.Select(m => m.Payment).OfType<PaymentPlan>().DistinctBy(p => p.Number).ToList();
    }

    public TrafficOptions Options { get; }

    public IReadOnlyList<SimulatedMessage> Messages { get; }

    public IReadOnlyList<PaymentPlan> Plans { get; }

    public int Count(MessageKind kind) => Messages.Count(m => m.Kind == kind);
}
