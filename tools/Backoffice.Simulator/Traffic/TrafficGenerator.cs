namespace Backoffice.Simulator.Traffic;

/// <summary>
/// Pure, seeded generator of realistic traffic: payment orders moving CREATED → FROZEN → SETTLED or
/// ROLLED_BACK, the two ledger legs of each payment in random order with a random delay between them
/// (legs may get a second version, PENDING → POSTED), withheld legs, amount mismatches, duplicates,
/// late older versions, producer aliases, Debezium envelopes, malformed messages and tombstones.
/// No I/O and no clock: the same options give the same messages, byte for byte.
/// <para>
/// Each payment is planned whole when it starts, with every random draw (amounts, delays, shapes,
/// duplicates, stale re-sends, malformed neighbours) taken in payment order, and its messages are
/// scheduled in simulated time. Messages are emitted in time order, so the legs of a payment
/// interleave with other payments. Which payments exist and how they end therefore depend only on the
/// seed and the shares, not on the start time or the simulated rate.
/// </para>
/// <para>
/// Unversioned events (neither <c>updated_at</c> nor <c>source_version</c>) fall back to arrival order
/// in the consumer, so they are used only for legs that have a single version, re-sent only as exact
/// copies and never as stale versions: whatever order the consumer sees them in, the stored values
/// are the same, and the oracle stays exact.
/// </para>
/// </summary>
public sealed class TrafficGenerator
{
    private static readonly string[] Currencies = ["KRW", "USD", "EUR"];

    private readonly TrafficOptions _options;

    public TrafficGenerator(TrafficOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public TrafficOptions Options => _options;

    /// <summary>The messages in emission order. Each enumeration starts afresh and yields the same sequence.</summary>
    public IEnumerable<SimulatedMessage> Generate(long? stopAfterMessages = null)
    {
        using var run = new Run(_options);
        long emitted = 0;
        for (long number = 1; _options.Payments is not { } total || number <= total; number++)
        {
            if (stopAfterMessages is { } limit && emitted >= limit)
            {
                break;
            }

            var start = run.NextPaymentTime();
            while (run.TryDequeueUntil(start, emitted, out var message))
            {
                emitted++;
                yield return message;
            }

            run.PlanPayment(number, start);
        }

        while (run.TryDequeueUntil(DateTimeOffset.MaxValue, emitted, out var message))
        {
            emitted++;
            yield return message;
        }
    }

    /// <summary>
    /// The first <paramref name="count"/> payment plans, in payment order (a payment's first message,
    /// its CREATED order state, is emitted before any message of a later payment).
    /// </summary>
    public IEnumerable<PaymentPlan> Plans(int count) =>
        Generate().Select(m => m.Payment).OfType<PaymentPlan>().DistinctBy(p => p.Number).Take(count);

    /// <summary>The mutable state of one enumeration.</summary>
    private sealed class Run : IDisposable
    {
        private readonly TrafficOptions _o;
        private readonly SimulatorRandom _random;
        private readonly MessageEncoder _encoder = new();
        private readonly PriorityQueue<Pending, (long Ticks, long Order)> _queue = new();
        private readonly string _prefix;
        private readonly DateTimeOffset _start;
        private long _order;
        private long _originals;
        private long _stale;
        private long _malformed;

        public Run(TrafficOptions options)
        {
            _o = options;
            _random = new SimulatorRandom(options.Seed);
            _prefix = options.EffectiveIdPrefix;
            _start = TruncateToMillisecond(options.StartTime);
        }

        public void Dispose() => _encoder.Dispose();

        /// <summary>
        /// The next payment starts when the messages planned so far, sent at the simulated rate, are
        /// due: the rate holds exactly on average, and payments of many messages push the next one out.
        /// </summary>
        public DateTimeOffset NextPaymentTime() => TruncateToMillisecond(_start + TimeSpan.FromSeconds(_order / _o.EventsPerSecond));

        public bool TryDequeueUntil(DateTimeOffset until, long sequence, out SimulatedMessage message)
        {
            if (_queue.TryPeek(out _, out var at) && at.Ticks <= until.UtcTicks)
            {
                var p = _queue.Dequeue();
                message = new SimulatedMessage(sequence, p.Stream, p.Key, p.Value, p.Kind, p.Ledger, p.Order, p.ErrorCode, p.Description, p.Plan,
                    new DateTimeOffset(at.Ticks, TimeSpan.Zero));
                return true;
            }

            message = null!;
            return false;
        }

        public void PlanPayment(long number, DateTimeOffset start)
        {
            var r = _random;
            var scenarioDraw = r.NextDouble();
            var scenario = scenarioDraw < _o.RollbackShare ? PaymentScenario.RolledBack
                : scenarioDraw < _o.RollbackShare + _o.WithheldShare ? PaymentScenario.LegWithheld
                : scenarioDraw < _o.RollbackShare + _o.WithheldShare + _o.AmountMismatchShare ? PaymentScenario.AmountMismatch
                : PaymentScenario.Settled;
            var currency = r.NextDouble() switch { < 0.6 => Currencies[0], < 0.85 => Currencies[1], _ => Currencies[2] };
            var amount = DrawAmount(currency);
            var payer = DrawWallet();
            string payee;
            do
            {
                payee = DrawWallet();
            }
            while (payee == payer);

            var id = $"{_prefix}-{number:D7}";
            var orderId = $"po-{id}";
            var paymentTxId = $"tx-{id}-pay";
            var receiveTxId = $"tx-{id}-rcv";
            var paymentFirst = r.Chance(0.5);
            var secondTxId = paymentFirst ? receiveTxId : paymentTxId;
            var plan = new PaymentPlan(number, orderId, scenario, paymentTxId, receiveTxId, currency, amount, payer, payee,
                scenario == PaymentScenario.LegWithheld ? secondTxId : null);

            // Payment order: CREATED, FROZEN, then SETTLED / ROLLED_BACK (a withheld payment stays FROZEN).
            var orderVersions = new List<(DateTimeOffset At, string Status)> { (start, "CREATED") };
            var frozenAt = start + Millis(50, 500);
            orderVersions.Add((frozenAt, "FROZEN"));
            var legs = new List<List<(DateTimeOffset At, LedgerFact Fact)>>();
            if (scenario == PaymentScenario.RolledBack)
            {
                orderVersions.Add((frozenAt + Millis(200, 2_000), "ROLLED_BACK"));
            }
            else
            {
                var firstAt = frozenAt + Millis(100, 1_000);
                var secondAt = firstAt + TimeSpan.FromMilliseconds(r.Next(0, (long)_o.MaxLegDelay.TotalMilliseconds + 1));
                var receiveAmount = scenario == PaymentScenario.AmountMismatch ? amount + MinorUnit(currency) : amount;
                var (paymentAt, receiveAt) = paymentFirst ? (firstAt, secondAt) : (secondAt, firstAt);
                var payment = PlanLeg(paymentTxId, payer, "PAYMENT", amount, currency, orderId, paymentAt);
                var receive = PlanLeg(receiveTxId, payee, "RECEIVE", receiveAmount, currency, orderId, receiveAt);
                legs.Add(paymentFirst ? payment : receive);
                if (scenario != PaymentScenario.LegWithheld)
                {
                    legs.Add(paymentFirst ? receive : payment);
                    var lastLegAt = legs.Max(l => l[^1].At);
                    orderVersions.Add((lastLegAt + Millis(50, 500), "SETTLED"));
                }
            }

            var orderFacts = PlanOrder(orderId, amount, currency, payer, payee, orderVersions);
            ScheduleVersions(StreamKind.PaymentOrder, orderId, orderFacts, plan, unversioned: false);
            foreach (var leg in legs)
            {
                var unversioned = leg.Count == 1 && leg[0].Fact.UpdatedAt is null && leg[0].Fact.SourceVersion is null;
                ScheduleVersions(StreamKind.Ledger, leg[0].Fact.TxId, leg, plan, unversioned);
            }
        }

        private List<(DateTimeOffset At, LedgerFact Fact)> PlanLeg(
            string txId, string walletId, string entryType, decimal amount, string currency, string orderId, DateTimeOffset at)
        {
            var r = _random;
            var (withTime, withVersion) = DrawVersionKeys();
            var withEventType = r.Chance(0.5);
            var withRelatedType = r.Chance(0.2);
            var fact = new LedgerFact(
                txId, walletId, entryType, amount, currency, orderId, withRelatedType ? "PAYMENT_ORDER" : null,
                Status: "POSTED", OccurredAt: at, UpdatedAt: null, SourceVersion: null, EventId: null, EventType: null);

            var versions = new List<(DateTimeOffset At, LedgerFact Fact)>();
            if (r.Chance(_o.LegUpdateShare))
            {
                var postedAt = at + Millis(100, 2_000);
                versions.Add((at, Version(fact with { Status = "PENDING" }, at, 1, withTime, withVersion, withEventType ? "LedgerEntryRecorded" : null)));
                versions.Add((postedAt, Version(fact, postedAt, 2, withTime, withVersion, withEventType ? "LedgerEntryPosted" : null)));
            }
            else if (r.Chance(_o.UnversionedShare))
            {
                versions.Add((at, fact with { EventId = EventId(), EventType = withEventType ? "LedgerEntryPosted" : null }));
            }
            else
            {
                versions.Add((at, Version(fact, at, 1, withTime, withVersion, withEventType ? "LedgerEntryPosted" : null)));
            }

            return versions;
        }

        private List<(DateTimeOffset At, PaymentOrderFact Fact)> PlanOrder(
            string orderId, decimal amount, string currency, string payer, string payee, List<(DateTimeOffset At, string Status)> states)
        {
            var (withTime, withVersion) = DrawVersionKeys();
            var withEventType = _random.Chance(0.5);
            var createdAt = states[0].At;
            var facts = new List<(DateTimeOffset At, PaymentOrderFact Fact)>(states.Count);
            for (var i = 0; i < states.Count; i++)
            {
                var (at, status) = states[i];
                facts.Add((at, new PaymentOrderFact(
                    orderId, status, amount, currency, payer, payee, createdAt,
                    UpdatedAt: withTime ? at : null,
                    SourceVersion: withVersion ? i + 1 : null,
                    EventId: EventId(),
                    EventType: withEventType ? OrderEventType(status) : null)));
            }

            return facts;
        }

        /// <summary>Which version keys an entity carries, the same for all its versions so each new state wins (§3).</summary>
        private (bool WithTime, bool WithVersion) DrawVersionKeys() => _random.NextDouble() switch
        {
            < 0.8 => (true, true),
            < 0.9 => (true, false),
            _ => (false, true),
        };

        private LedgerFact Version(LedgerFact fact, DateTimeOffset at, long version, bool withTime, bool withVersion, string? eventType) =>
            fact with
            {
                UpdatedAt = withTime ? at : null,
                SourceVersion = withVersion ? version : null,
                EventId = EventId(),
                EventType = eventType,
            };

        private void ScheduleVersions<TFact>(StreamKind stream, string key, List<(DateTimeOffset At, TFact Fact)> versions, PaymentPlan plan, bool unversioned)
            where TFact : class
        {
            var r = _random;
            for (var i = 0; i < versions.Count; i++)
            {
                var (at, fact) = versions[i];
                var choices = EncodingChoices.Draw(r, _o, firstVersion: i == 0);
                var bytes = Encode(fact, choices);
                Enqueue(at, new Pending(stream, key, bytes, MessageKind.Version, fact, plan));
                _originals++;

                if (r.Chance(_o.DuplicateShare))
                {
                    // Mostly exact re-sends (a producer retry); sometimes the same version in another shape
                    // (a second pipeline). An unversioned event is only ever re-sent byte for byte.
                    var again = unversioned || r.Chance(0.7) ? bytes : Encode(fact, EncodingChoices.Draw(r, _o, firstVersion: i == 0));
                    Enqueue(at + Millis(0, 2_000), new Pending(stream, key, again, MessageKind.Duplicate, fact, plan));
                }

                // Late older versions: spread over the superseded versions to hit the share of all first sends.
                if (i + 1 < versions.Count && !unversioned && _stale < _o.StaleShare * _originals && r.Chance(0.7))
                {
                    var late = Encode(fact, EncodingChoices.Draw(r, _o, firstVersion: i == 0));
                    Enqueue(versions[i + 1].At + Millis(10, 1_000), new Pending(stream, key, late, MessageKind.Stale, fact, plan));
                    _stale++;
                }

                if (r.Chance(_o.MalformedShare))
                {
                    ScheduleMalformed(at + Millis(0, 1_000));
                }

                if (r.Chance(_o.TombstoneShare))
                {
                    Enqueue(versions[^1].At + Millis(0, 1_000), new Pending(stream, key, null, MessageKind.Tombstone, null, plan) { Description = "tombstone" });
                }
            }
        }

        private void ScheduleMalformed(DateTimeOffset at)
        {
            var r = _random;
            var number = ++_malformed;
            // Every error code equally often, whatever the number of cases per code.
            var byCode = MalformedCatalogue.ByErrorCode(r.Chance(0.65) ? StreamKind.Ledger : StreamKind.PaymentOrder);
            var @case = r.Pick(r.Pick(byCode));
            var orderId = $"po-{_prefix}-bad-{number:D6}";
            var txId = $"tx-{_prefix}-bad-{number:D6}";
            var currency = r.Pick(Currencies);
            var amount = DrawAmount(currency);
            var ledger = new LedgerFact(txId, DrawWallet(), r.Chance(0.5) ? "PAYMENT" : "RECEIVE", amount, currency, orderId, null,
                "POSTED", at, at, 1, EventId(), null);
            var order = new PaymentOrderFact(orderId, "FROZEN", amount, currency, DrawWallet(), DrawWallet(), at, at, 2, EventId(), null);
            var value = @case.Build(new MalformedContext(_encoder, r, ledger, order));
            var key = @case.Stream == StreamKind.Ledger ? txId : orderId;
            Enqueue(at, new Pending(@case.Stream, key, value, MessageKind.Malformed, null, null) { ErrorCode = @case.ErrorCode, Description = @case.Description });
        }

        private byte[] Encode<TFact>(TFact fact, in EncodingChoices choices) => fact switch
        {
            LedgerFact ledger => _encoder.Encode(ledger, choices),
            PaymentOrderFact order => _encoder.Encode(order, choices),
            _ => throw new ArgumentOutOfRangeException(nameof(fact)),
        };

        private void Enqueue(DateTimeOffset at, Pending message) => _queue.Enqueue(message, (at.UtcTicks, _order++));

        private string DrawWallet()
        {
            var r = _random;
            var index = _o.BusyWalletCount > 0 && r.Chance(_o.BusyWalletShare)
                ? r.Next(_o.BusyWalletCount)
                : _o.BusyWalletCount + r.Next(_o.WalletCount - _o.BusyWalletCount);
            return $"w-{_prefix}-{index + 1:D5}";
        }

        /// <summary>Log-uniform amounts: many small payments, a few large ones, with the currency's usual decimals.</summary>
        private decimal DrawAmount(string currency)
        {
            if (currency == "KRW")
            {
                var won = (long)Math.Exp(Math.Log(1_000) + (_random.NextDouble() * (Math.Log(5_000_000) - Math.Log(1_000))));
                return won / 10 * 10;
            }

            var cents = (long)Math.Exp(Math.Log(100) + (_random.NextDouble() * (Math.Log(200_000) - Math.Log(100))));
            return new decimal((int)cents, 0, 0, isNegative: false, scale: 2);
        }

        private static decimal MinorUnit(string currency) => currency == "KRW" ? 10m : 0.01m;

        private string EventId() => $"ev-{_random.NextUInt64():x16}";

        private TimeSpan Millis(long min, long max) => TimeSpan.FromMilliseconds(_random.Next(min, max));

        private static string OrderEventType(string status) => status switch
        {
            "CREATED" => "PaymentOrderCreated",
            "FROZEN" => "PaymentOrderFrozen",
            "SETTLED" => "PaymentOrderSettled",
            _ => "PaymentOrderRolledBack",
        };

        private static DateTimeOffset TruncateToMillisecond(DateTimeOffset time) =>
            new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    /// <summary>A scheduled message; becomes a <see cref="SimulatedMessage"/> with its sequence when emitted.</summary>
    private sealed class Pending(StreamKind stream, string key, byte[]? value, MessageKind kind, object? fact, PaymentPlan? plan)
    {
        public StreamKind Stream { get; } = stream;

        public string Key { get; } = key;

        public byte[]? Value { get; } = value;

        public MessageKind Kind { get; } = kind;

        public LedgerFact? Ledger { get; } = fact as LedgerFact;

        public PaymentOrderFact? Order { get; } = fact as PaymentOrderFact;

        public PaymentPlan? Plan { get; } = plan;

        public string? ErrorCode { get; init; }

        public string? Description { get; init; }
    }
}
