using System.ComponentModel.DataAnnotations;

namespace Backoffice.Simulator.Traffic;

/// <summary>
/// What traffic to generate. Ids and scenarios depend only on <see cref="Seed"/>, <see cref="IdPrefix"/>
/// and the shares; <see cref="StartTime"/> and <see cref="EventsPerSecond"/> move timestamps and the
/// interleaving of payments, not which payments exist or how they end.
/// Shares are fractions of the valid first sends (<see cref="MessageKind.Version"/> messages),
/// except the scenario shares, which are fractions of payments.
/// </summary>
public sealed record TrafficOptions
{
    public long Seed { get; init; } = 42;

    /// <summary>Prefix of every generated id (orders, legs, wallets); null means <c>s{Seed}</c>, so runs with different seeds never share an id.</summary>
    [RegularExpression("^[A-Za-z0-9._:@]{1,40}$")]
    public string? IdPrefix { get; init; }

    /// <summary>Number of payments; null generates forever.</summary>
    [Range(0, int.MaxValue)]
    public int? Payments { get; init; }

    /// <summary>Simulated time of the first payment.</summary>
    public DateTimeOffset StartTime { get; init; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Simulated message rate: spaces the payments in simulated time (the producer's rate limit is separate).</summary>
    [Range(0.001, 10_000_000)]
    public double EventsPerSecond { get; init; } = 20;

    [Range(2, 10_000_000)]
    public int WalletCount { get; init; } = 1_000;

    /// <summary>Wallets that take <see cref="BusyWalletShare"/> of all payer/payee draws, so their listings run to many pages.</summary>
    [Range(0, 1_000)]
    public int BusyWalletCount { get; init; } = 5;

    [Range(0.0, 1.0)]
    public double BusyWalletShare { get; init; } = 0.3;

    [Range(0.0, 1.0)]
    public double RollbackShare { get; init; } = 0.05;

    /// <summary>Payments whose second leg never arrives (pair INCOMPLETE).</summary>
    [Range(0.0, 1.0)]
    public double WithheldShare { get; init; } = 0.05;

    /// <summary>Payments whose legs disagree on the amount (pair UNKNOWN, AMOUNT_MISMATCH).</summary>
    [Range(0.0, 1.0)]
    public double AmountMismatchShare { get; init; } = 0.01;

    /// <summary>Legs sent first as PENDING and later as POSTED (a second version).</summary>
    [Range(0.0, 1.0)]
    public double LegUpdateShare { get; init; } = 0.5;

    /// <summary>Single-version legs sent without any version key (see <see cref="TrafficGenerator"/> on why only those).</summary>
    [Range(0.0, 1.0)]
    public double UnversionedShare { get; init; } = 0.02;

    [Range(0.0, 1.0)]
    public double DuplicateShare { get; init; } = 0.05;

    [Range(0.0, 1.0)]
    public double StaleShare { get; init; } = 0.05;

    [Range(0.0, 1.0)]
    public double MalformedShare { get; init; } = 0.01;

    [Range(0.0, 1.0)]
    public double TombstoneShare { get; init; } = 0.002;

    /// <summary>Valid messages sent as Debezium change events (half of them in the schema/payload wrapper).</summary>
    [Range(0.0, 1.0)]
    public double DebeziumShare { get; init; } = 0.15;

    /// <summary>Valid flat messages that use producer aliases (camelCase, legacy names, upper-case keys) instead of canonical names.</summary>
    [Range(0.0, 1.0)]
    public double AliasShare { get; init; } = 0.3;

    /// <summary>Longest delay between the first and the second leg of a payment, in simulated time.</summary>
    public TimeSpan MaxLegDelay { get; init; } = TimeSpan.FromSeconds(3);

    public string EffectiveIdPrefix => IdPrefix ?? $"s{Seed}";

    /// <summary>Throws with the name of the first option out of range.</summary>
    public void Validate()
    {
        var context = new ValidationContext(this);
        Validator.ValidateObject(this, context, validateAllProperties: true);
        if (RollbackShare + WithheldShare + AmountMismatchShare > 1)
        {
            throw new ValidationException($"{nameof(RollbackShare)} + {nameof(WithheldShare)} + {nameof(AmountMismatchShare)} must not exceed 1.");
        }

        if (BusyWalletCount >= WalletCount)
        {
            throw new ValidationException($"{nameof(BusyWalletCount)} must be less than {nameof(WalletCount)}.");
        }

        if (MaxLegDelay < TimeSpan.Zero)
        {
            throw new ValidationException($"{nameof(MaxLegDelay)} must not be negative.");
        }
    }
}
