using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Backoffice.Bench.Infrastructure;

/// <summary>
/// A process the harness starts (consumer, API, wrk, pgbench): output to a log file, peak resident
/// memory sampled from <c>/proc/&lt;pid&gt;/status</c>, stopped with SIGTERM (then SIGKILL) and never
/// left behind.
/// </summary>
public sealed partial class ChildProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(250);

    private readonly Process _process;
    private readonly CancellationTokenSource _sampling = new();
    private readonly Task _sampler;
    private long _peakHwmKib;
    private long _peakRssKib;
    private bool _disposed;

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        _sampler = Task.Run(SampleAsync);
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string LogPath { get; private init; } = "";

    /// <summary>Peak resident set size in MiB: the kernel's high-water mark (VmHWM), sampled while the process ran.</summary>
    public double PeakRssMib => Math.Max(Interlocked.Read(ref _peakHwmKib), Interlocked.Read(ref _peakRssKib)) / 1024.0;

    /// <summary>Resident set size now, in MiB (VmRSS), or NaN when the process is gone.</summary>
    public double CurrentRssMib()
    {
        try
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? double.NaN : ParseKib(line) / 1024.0;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    public static ChildProcess Start(
        BenchContext context, string name, string fileName, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        // The child writes its output straight into the log file (bash execs it with the
        // redirection in place, so the pid stays the child's): the harness never sits in the output
        // path, so a chatty process is not slowed down by the harness reading its pipe. bash, not
        // dash: dash drops environment variables whose names are not shell identifiers, and .NET
        // configuration keys such as Consumer__Kafka__fetch.wait.max.ms contain dots.
        var logPath = Path.Combine(context.LogsDirectory, $"{name}.log");
        File.WriteAllText(logPath, "");
        var startInfo = new ProcessStartInfo("/bin/bash")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? (Path.IsPathRooted(fileName) ? Path.GetDirectoryName(fileName)! : context.RepositoryRoot),
        };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$BENCH_CHILD_LOG\" 2>&1");
        startInfo.ArgumentList.Add(fileName);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // The harness's own settings must not leak into the children.
        foreach (var variable in new[] { "ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "OTEL_EXPORTER_OTLP_ENDPOINT" })
        {
            startInfo.Environment.Remove(variable);
        }

        startInfo.Environment["BENCH_CHILD_LOG"] = logPath;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.Start();
        var child = new ChildProcess(name, process) { LogPath = logPath };
        context.Log($"started {name} (pid {process.Id}), output in {Path.GetRelativePath(context.RepositoryRoot, logPath)}");
        return child;
    }

    /// <summary>Runs a command to completion; throws with the log's tail when it fails.</summary>
    public static async Task<string> RunAsync(
        BenchContext context, string name, string fileName, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        await using var child = Start(context, name, fileName, arguments, environment);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        limit.CancelAfter(timeout ?? TimeSpan.FromMinutes(5));
        var exitCode = await child.WaitForExitAsync(limit.Token);
        var output = await child.ReadLogAsync();
        return exitCode == 0
            ? output
            : throw new InvalidOperationException($"{name} exited with {exitCode}:\n{Tail(output, 3000)}");
    }

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    public async Task<string> ReadLogAsync()
    {
        await using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    /// <summary>Samples memory one last time, sends SIGTERM and waits (then kills).</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        Sample();
        _ = Kill(_process.Id, SigTerm);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            KillTree();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await StopAsync(TimeSpan.FromSeconds(15));
        KillTree();
        await _sampling.CancelAsync();
        try
        {
            await _sampler;
        }
        catch (OperationCanceledException)
        {
        }

        _sampling.Dispose();
        _process.WaitForExit(5000);
        _process.Dispose();
    }

    public static string Tail(string text, int characters) =>
        text.Length <= characters ? text : text[^characters..];

    private void KillTree()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (Win32Exception)
        {
        }
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(SampleInterval);
        do
        {
            Sample();
        }
        while (!_process.HasExited && await timer.WaitForNextTickAsync(_sampling.Token));
    }

    private void Sample()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    Max(ref _peakHwmKib, ParseKib(line));
                }
                else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    Max(ref _peakRssKib, ParseKib(line));
                }
            }
        }
        catch (IOException)
        {
            // The process has just exited; the previous sample stands.
        }
        catch (UnauthorizedAccessException)
        {
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static long ParseKib(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], NumberStyles.None, CultureInfo.InvariantCulture);

    private static void Max(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
