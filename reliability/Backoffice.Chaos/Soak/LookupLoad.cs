using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Backoffice.Simulator.Traffic;

namespace Backoffice.Chaos.Soak;

/// <summary>
/// Ids the soak may look up: every valid ledger entry and payment order as it is produced, with the
/// time it was, so lookups only ask for what the consumer has had time to store.
/// </summary>
public sealed class LookupTargets
{
    private readonly Lock _gate = new();
    private readonly List<(long At, string Path)> _transactions = [];
    private readonly List<(long At, string Path)> _orders = [];
    private readonly List<(long At, string Path)> _wallets = [];

    public void Add(SimulatedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Kind != MessageKind.Version)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            if (message.Ledger is { } leg)
            {
                _transactions.Add((now, $"/admin/tx/{Uri.EscapeDataString(leg.TxId)}"));
                _wallets.Add((now, $"/admin/wallets/{Uri.EscapeDataString(leg.WalletId)}/tx?limit=20"));
            }
            else if (message.PaymentOrder is { } order)
            {
                _orders.Add((now, $"/admin/payment-orders/{Uri.EscapeDataString(order.OrderId)}"));
            }
        }
    }

    /// <summary>
    /// A random lookup among ids produced at least <paramref name="minimumAge"/> ago: a transaction
    /// (60 %), a payment order (20 %) or a wallet's first page (20 %).
    /// </summary>
    public string? Pick(Random random, TimeSpan minimumAge)
    {
        ArgumentNullException.ThrowIfNull(random);
        var roll = random.NextDouble();
        var cutoff = Stopwatch.GetTimestamp() - (long)(minimumAge.TotalSeconds * Stopwatch.Frequency);
        lock (_gate)
        {
            var list = roll < 0.6 ? _transactions : roll < 0.8 ? _orders : _wallets;
            var eligible = CountUpTo(list, cutoff);
            return eligible == 0 ? null : list[random.Next(eligible)].Path;
        }
    }

    /// <summary>Entries are appended in time order: how many are at or before <paramref name="cutoff"/>.</summary>
    private static int CountUpTo(List<(long At, string Path)> list, long cutoff)
    {
        int low = 0, high = list.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (list[middle].At <= cutoff)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}

/// <summary>Lookups answered in one sampling window.</summary>
public sealed class LookupWindow
{
    private readonly ConcurrentQueue<double> _latencies = new();
    private readonly ConcurrentDictionary<int, long> _statuses = new();
    private long _requests;
    private long _failures;
    private long _saturated;

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests that got no HTTP answer (connection refused or reset, timeout).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Lookups not sent because too many were still waiting for an answer (the API fell behind).</summary>
    public long Saturated => Interlocked.Read(ref _saturated);

    public IReadOnlyDictionary<int, long> Statuses => _statuses;

    /// <summary>Answers other than 200, failures and lookups the API was too slow to take.</summary>
    public long Errors => Failures + Saturated + _statuses.Where(s => s.Key != 200).Sum(s => s.Value);

    public double? LatencyPercentile(double percentile)
    {
        var sorted = _latencies.Order().ToArray();
        return sorted.Length == 0 ? null : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percentile * sorted.Length) - 1)];
    }

    internal void Answered(HttpStatusCode status, TimeSpan latency)
    {
        Interlocked.Increment(ref _requests);
        _statuses.AddOrUpdate((int)status, 1, (_, n) => n + 1);
        _latencies.Enqueue(latency.TotalMilliseconds);
    }

    internal void Failed()
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Increment(ref _failures);
    }

    internal void SkippedSaturated() => Interlocked.Increment(ref _saturated);
}

/// <summary>
/// Admin API lookups at a steady rate, on loopback, for a bounded time and count, with at most
/// <see cref="MaxInFlight"/> outstanding. Results go to the current <see cref="LookupWindow"/>,
/// which the sampler swaps every period.
/// </summary>
public sealed class LookupLoad(Uri apiBase, LookupTargets targets, double perSecond, TimeSpan duration, long seed) : IDisposable
{
    public const int MaxInFlight = 256;

    /// <summary>Only ids produced this long ago are looked up: far beyond the freshness the consumer promises.</summary>
    public static readonly TimeSpan MinimumAge = TimeSpan.FromSeconds(5);

    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = MaxInFlight, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        BaseAddress = apiBase,
        Timeout = TimeSpan.FromSeconds(10),
    };

    private readonly SemaphoreSlim _inFlight = new(MaxInFlight);
    private LookupWindow _window = new();
    private long _sent;

    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Returns the window collected so far and starts a new one.</summary>
    public LookupWindow TakeWindow() => Interlocked.Exchange(ref _window, new LookupWindow());

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var random = new Random(unchecked((int)seed));
        var maximum = (long)(perSecond * duration.TotalSeconds);
        var clock = Stopwatch.StartNew();
        var pending = new List<Task>();
        while (clock.Elapsed < duration && Sent < maximum)
        {
            var due = Math.Min(maximum, (long)(clock.Elapsed.TotalSeconds * perSecond));
            while (Sent < due)
            {
                Interlocked.Increment(ref _sent);
                if (targets.Pick(random, MinimumAge) is not { } path)
                {
                    // Nothing old enough to look up yet (the first seconds).
                    continue;
                }

                if (!_inFlight.Wait(0, cancellationToken))
                {
                    _window.SkippedSaturated();
                    continue;
                }

                pending.Add(LookUpAsync(path, cancellationToken));
            }

            pending.RemoveAll(t => t.IsCompleted);
            await Task.Delay(5, cancellationToken);
        }

        await Task.WhenAll(pending);
    }

    public void Dispose()
    {
        _http.Dispose();
        _inFlight.Dispose();
    }

    private async Task LookUpAsync(string path, CancellationToken cancellationToken)
    {
        var window = _window;
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseContentRead, cancellationToken);
            window.Answered(response.StatusCode, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            window.Failed();
        }
        finally
        {
            _inFlight.Release();
        }
    }
}
