using System.Diagnostics;
using System.Globalization;
using Backoffice.Chaos.Environment;

namespace Backoffice.Chaos.Processes;

/// <summary>
/// The consumer instances of a run: starts them, stops or kills them on purpose, and notices when
/// one dies on its own (a crash is a finding, never part of the plan).
/// </summary>
public sealed class ConsumerFleet(ConsumerLauncher launcher, ChaosTimeline timeline) : IAsyncDisposable
{
    /// <summary>How long a graceful stop may take (the spec promises 10 s; a margin for a loaded machine).</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private readonly List<ServiceProcess> _all = [];
    private readonly HashSet<ServiceProcess> _stopping = [];
    private readonly List<string> _gracefulStopProblems = [];

    public IReadOnlyList<ServiceProcess> Live => _all.Where(p => !_stopping.Contains(p) && !p.HasExited).ToList();

    public int Started => _all.Count;

    public int Kills { get; private set; }

    public int GracefulStops { get; private set; }

    /// <summary>Graceful stops that did not end with exit code 0 within the time allowed.</summary>
    public IReadOnlyList<string> GracefulStopProblems => _gracefulStopProblems;

    public ServiceProcess Start()
    {
        var process = launcher.Start();
        _all.Add(process);
        return process;
    }

    /// <summary>SIGKILL, then waits for the process to be gone; returns its exit status (137).</summary>
    public async Task<int> KillAsync(ServiceProcess process, CancellationToken cancellationToken)
    {
        _stopping.Add(process);
        process.Kill();
        if (!await process.WaitForExitAsync(TimeSpan.FromSeconds(10), cancellationToken))
        {
            throw new ChaosRunException($"{process.Name} survived SIGKILL for 10 s.");
        }

        Kills++;
        timeline.Note($"SIGKILL {process.Name}: exit status {process.ExitCode.ToString(CultureInfo.InvariantCulture)}");
        return process.ExitCode;
    }

    /// <summary>SIGTERM, then waits for a graceful exit; a slow or failed stop is recorded as a problem.</summary>
    public async Task<int> TerminateAsync(ServiceProcess process, CancellationToken cancellationToken)
    {
        await WaitUntilServingAsync(process, cancellationToken);
        _stopping.Add(process);
        var clock = Stopwatch.StartNew();
        process.Terminate();
        var exited = await process.WaitForExitAsync(StopTimeout, cancellationToken);
        GracefulStops++;
        if (!exited)
        {
            _gracefulStopProblems.Add($"{process.Name} did not stop within {StopTimeout.TotalSeconds} s of SIGTERM");
            await KillAsync(process, cancellationToken);
            return -1;
        }

        timeline.Note($"SIGTERM {process.Name}: exit code {process.ExitCode.ToString(CultureInfo.InvariantCulture)} after {clock.Elapsed.TotalSeconds:F1} s");
        if (process.ExitCode != 0 || clock.Elapsed > TimeSpan.FromSeconds(10))
        {
            _gracefulStopProblems.Add($"{process.Name} stopped with exit code {process.ExitCode} after {clock.Elapsed.TotalSeconds:F1} s (expected 0 within 10 s)");
        }

        return process.ExitCode;
    }

    /// <summary>
    /// A graceful stop is promised only by a started host: SIGTERM before its handler is installed
    /// (a replacement started a moment earlier, when progress jumped past two change points at once,
    /// or just before the end of the run) ends the process with 143, having consumed nothing.
    /// </summary>
    private static async Task WaitUntilServingAsync(ServiceProcess process, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!process.HasExited && DateTime.UtcNow < deadline && await process.GetAsync("/health", cancellationToken) is null)
        {
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Why the run must stop: an instance that exited without being told to. Null while all is well.</summary>
    public string? Failure()
    {
        var crashed = _all.FirstOrDefault(p => p.HasExited && !_stopping.Contains(p));
        return crashed is null
            ? null
            : $"{crashed.Name} exited on its own with code {crashed.ExitCode}. Last output:{System.Environment.NewLine}{crashed.OutputTail}";
    }

    /// <summary>How many output lines of all instances so far contained each watched substring.</summary>
    public Dictionary<string, int> OutputCounts() =>
        ConsumerLauncher.WatchedOutput.ToDictionary(pattern => pattern, pattern => _all.Sum(p => p.Matches(pattern)), StringComparer.Ordinal);

    /// <summary>Stops every live instance gracefully.</summary>
    public async Task StopAllAsync(CancellationToken cancellationToken)
    {
        foreach (var process in Live)
        {
            await TerminateAsync(process, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _all)
        {
            await process.DisposeAsync();
        }
    }
}
