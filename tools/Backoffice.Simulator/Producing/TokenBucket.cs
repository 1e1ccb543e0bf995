namespace Backoffice.Simulator.Producing;

/// <summary>
/// Paces the producer at a steady rate. Holds at most 50 ms worth of tokens, so after a pause it
/// catches up in small bursts instead of flooding, and timer granularity (about a millisecond)
/// does not cap high rates: waits are batched.
/// </summary>
public sealed class TokenBucket
{
    private readonly double _ratePerSecond;
    private readonly double _capacity;
    private readonly TimeProvider _timeProvider;
    private double _tokens;
    private long _lastTimestamp;

    public TokenBucket(double ratePerSecond, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _ratePerSecond = ratePerSecond;
        _capacity = Math.Max(1, ratePerSecond * 0.05);
        _timeProvider = timeProvider;
        _tokens = 1;
        _lastTimestamp = timeProvider.GetTimestamp();
    }

    /// <summary>Takes one token, waiting until one is available.</summary>
    public async ValueTask TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var now = _timeProvider.GetTimestamp();
            _tokens = Math.Min(_capacity, _tokens + (_timeProvider.GetElapsedTime(_lastTimestamp, now).TotalSeconds * _ratePerSecond));
            _lastTimestamp = now;
            if (_tokens >= 1)
            {
                _tokens -= 1;
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds((1 - _tokens) / _ratePerSecond), _timeProvider, cancellationToken);
        }
    }
}
