using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Backoffice.Chaos.Processes;

/// <summary>
/// One of the services (consumer or API) as a child process — <c>dotnet X.dll</c> configured only
/// through environment variables, as deployed — that a scenario can stop gracefully (SIGTERM, as an
/// orchestrator does) or kill outright (SIGKILL, as the kernel's OOM killer or a node loss does).
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int TailLines = 300;

    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _tail = new();
    private readonly ConcurrentDictionary<string, int> _matches = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<string> _watched;
    private StreamWriter? _log;
    private readonly Lock _logGate = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(string name, Process process, int port, IReadOnlyList<string> watched, StreamWriter? log)
    {
        Name = name;
        _process = process;
        Port = port;
        _watched = watched;
        _log = log;
        foreach (var pattern in watched)
        {
            _matches[pattern] = 0;
        }
    }

    public string Name { get; }

    public int Port { get; }

    public int Id { get; private set; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

    public bool HasExited => _exited.Task.IsCompleted;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last few hundred lines of stdout and stderr, interleaved.</summary>
    public string OutputTail => string.Join(System.Environment.NewLine, _tail);

    /// <summary>
    /// Starts <c>dotnet exec <paramref name="dll"/></c> listening on a free loopback port.
    /// <paramref name="watched"/>: substrings whose occurrences in the output are counted (<see cref="Matches"/>).
    /// </summary>
    public static ServiceProcess Start(
        string name, string dll, IReadOnlyDictionary<string, string?> environment, IReadOnlyList<string>? watched = null, string? logDirectory = null)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            ArgumentList = { "exec", dll },
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Nothing of the caller's own settings leaks in: the child sees only what the scenario gives it.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        foreach (var (key, value) in environment)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value ?? "";
        }

        StreamWriter? log = null;
        if (logDirectory is not null)
        {
            Directory.CreateDirectory(logDirectory);
            log = new StreamWriter(Path.Combine(logDirectory, $"{name}.log"), append: false) { AutoFlush = true };
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ServiceProcess(name, process, port, watched ?? [], log);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.Exited += (_, _) => child._exited.TrySetResult();
        process.Start();
        child.Id = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>How many output lines contained <paramref name="pattern"/> (one of the watched substrings).</summary>
    public int Matches(string pattern) => _matches.GetValueOrDefault(pattern);

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed or committed.</summary>
    public void Kill()
    {
        if (!HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }
    }

    /// <summary>SIGTERM: the host stops gracefully (finish the batch, commit, leave the group).</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>True when the process ended within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _exited.Task.WaitAsync(timeout, cancellationToken);
            // Exited fires before the last output lines are read; this drains them.
            await _process.WaitForExitAsync(cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>VmRSS and its parts from /proc/&lt;pid&gt;/status; null once the process is gone.</summary>
    public ResidentMemory? Memory()
    {
        try
        {
            var fields = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var line in File.ReadLines($"/proc/{Id.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && (line.StartsWith("VmRSS", StringComparison.Ordinal) || line.StartsWith("Rss", StringComparison.Ordinal)))
                {
                    fields[line[..colon]] = long.Parse(line[(colon + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }

            return fields.TryGetValue("VmRSS", out var rss)
                ? new ResidentMemory(rss, fields.GetValueOrDefault("RssAnon"), fields.GetValueOrDefault("RssFile"), fields.GetValueOrDefault("RssShmem"))
                : null;
        }
        catch (IOException)
        {
        }

        return null;
    }

    /// <summary>GETs <paramref name="path"/>; null when the process does not answer.</summary>
    public async Task<(HttpStatusCode Status, string Body)?> GetAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(BaseAddress, path), cancellationToken);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
        lock (_logGate)
        {
            _log?.Dispose();
            _log = null;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        _tail.Enqueue(line);
        while (_tail.Count > TailLines && _tail.TryDequeue(out _))
        {
        }

        foreach (var pattern in _watched)
        {
            if (line.Contains(pattern, StringComparison.Ordinal))
            {
                _matches.AddOrUpdate(pattern, 1, (_, count) => count + 1);
            }
        }

        lock (_logGate)
        {
            _log?.WriteLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// A process's resident memory in KiB and its kernel breakdown: anonymous (the GC heap and native
/// allocations), file-backed (mapped assemblies and libraries) and shared memory (for .NET, the
/// W^X double mapping of JIT-compiled code).
/// </summary>
public sealed record ResidentMemory(long RssKb, long AnonKb, long FileKb, long ShmemKb);
