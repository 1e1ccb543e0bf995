using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Backoffice.LocalInfra.Postgres;

/// <summary>
/// A private PostgreSQL server started from the machine's binaries: for tests, and for the AppHost's
/// no-container mode. Listens on 127.0.0.1 only, keeps its Unix socket inside the data directory, and
/// runs as the <c>postgres</c> OS user when this process is root (initdb and postgres refuse root).
/// <see cref="StopAsync"/> followed by <see cref="StartAsync"/> restarts it on the same data directory
/// and port, which is how reliability tests take the database away mid-stream.
/// </summary>
public sealed partial class LocalPostgresServer : IAsyncDisposable, IDisposable
{
    public const string Host = "127.0.0.1";

    private const int RecentLogLines = 60;
    // sun_path is 108 bytes including the terminating NUL.
    private const int MaxUnixSocketPathLength = 107;

    private readonly LocalPostgresOptions _options;
    private readonly ILogger _logger;
    private readonly bool _deleteDataDirectory;
    private readonly bool _runAsOtherUser;
    private readonly ConcurrentQueue<string> _recentLog = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private Process? _postmaster;
    private TaskCompletionSource<int> _exited = NewExitSource();
    private bool _disposed;

    public LocalPostgresServer(LocalPostgresOptions? options = null, ILogger? logger = null)
    {
        _options = options ?? new LocalPostgresOptions();
        _logger = logger ?? NullLogger.Instance;
        ArgumentOutOfRangeException.ThrowIfNegative(_options.Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.Port, IPEndPoint.MaxPort);

        BinDirectory = PostgresBinaries.Locate(_options.BinDirectory);
        _runAsOtherUser = Environment.IsPrivilegedProcess;
        DataDirectory = Path.GetFullPath(_options.DataDirectory
            ?? Path.Combine(Path.GetTempPath(), $"backoffice-postgres-{Guid.NewGuid():N}"));
        _deleteDataDirectory = _options.DataDirectory is null || _options.DeleteDataDirectoryOnDispose;
        Port = _options.Port;
        // A test host or tool stopped by SIGTERM (a CI time-out) skips disposal; the server must not outlive it.
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public string DataDirectory { get; }

    public string BinDirectory { get; }

    /// <summary>The TCP port; after the first start, the one actually used (also when 0 was asked).</summary>
    public int Port { get; private set; }

    /// <summary>The server's major version, known after the first start (e.g. 15).</summary>
    public int MajorVersion { get; private set; }

    public string Superuser => _options.Superuser;

    public bool IsRunning => _postmaster is { HasExited: false };

    /// <summary>A TCP connection string for <paramref name="database"/> as the superuser.</summary>
    public string GetConnectionString(string database = "postgres")
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Database = database,
            Username = _options.Superuser,
        };
        if (_options.SuperuserPassword is not null)
        {
            builder.Password = _options.SuperuserPassword;
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// Initialises the data directory if needed, stops a server left running on it by an earlier,
    /// killed run, starts PostgreSQL and returns once it accepts connections.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (IsRunning)
            {
                return;
            }

            if (MajorVersion == 0)
            {
                MajorVersion = await ReadMajorVersionAsync(cancellationToken);
            }

            if (Port == 0)
            {
                Port = FindFreePort();
            }

            CheckUnixSocketPath();
            await PrepareDataDirectoryAsync(cancellationToken);
            await StopLeftoverServerAsync(cancellationToken);
            StartPostmaster();
            await WaitUntilAcceptingAsync(cancellationToken);
            await ApplySuperuserPasswordAsync(cancellationToken);
            LogStarted(_logger, MajorVersion, Host, Port, DataDirectory);
        }
        catch
        {
            KillPostmaster();
            throw;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Fast shutdown (<c>pg_ctl stop -m fast</c>): open sessions are disconnected, data is kept.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            await StopPostmasterAsync(cancellationToken);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Completes with the exit code when the current server process ends, stopped or not.</summary>
    public Task<int> WaitForExitAsync(CancellationToken cancellationToken = default) =>
        _exited.Task.WaitAsync(cancellationToken);

    /// <summary>Creates <paramref name="database"/> unless it exists.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        await using var connection = new NpgsqlConnection(GetUnixSocketConnectionString());
        await connection.OpenAsync(cancellationToken);
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = database });
            if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return;
            }
        }

        await using var create = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(database)}", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
            LogDatabaseCreated(_logger, database);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Created concurrently by someone else: the goal is reached.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(_options.StopTimeout);
            await StopAsync(timeout.Token);
        }
#pragma warning disable CA1031 // Disposal must not throw: whatever went wrong, the leftovers are killed below.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogStopFailed(_logger, exception);
        }

        Dispose();
    }

    /// <summary>Kills the server if it still runs (no graceful shutdown) and deletes a temporary data directory.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        KillPostmaster();
        _postmaster?.Dispose();
        _lifecycle.Dispose();
        if (_deleteDataDirectory)
        {
            DeleteDirectory(DataDirectory);
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();

    private string GetUnixSocketConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder
        {
            Host = DataDirectory,
            Port = Port,
            Database = database,
            Username = _options.Superuser,
            // Administrative one-offs: a pooled idle session would block DROP DATABASE and template copies.
            Pooling = false,
            Timeout = 5,
        }.ConnectionString;

    private async Task<int> ReadMajorVersionAsync(CancellationToken cancellationToken)
    {
        // "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"; --version is allowed as root.
        var (exitCode, output) = await RunProgramAsync("postgres", ["--version"], asServerUser: false, cancellationToken);
        var versionText = output.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(2);
        var major = versionText?.Split('.')[0];
        return exitCode == 0 && int.TryParse(major, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw new InvalidOperationException($"Could not read the PostgreSQL version from `postgres --version`: {output}");
    }

    private static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void CheckUnixSocketPath()
    {
        var socketPath = Path.Combine(DataDirectory, $".s.PGSQL.{Port}");
        if (Encoding.UTF8.GetByteCount(socketPath) > MaxUnixSocketPathLength)
        {
            throw new InvalidOperationException(
                $"The data directory path is too long for PostgreSQL's Unix socket ({socketPath}); choose a shorter one.");
        }
    }

    private async Task PrepareDataDirectoryAsync(CancellationToken cancellationToken)
    {
        var initialised = File.Exists(Path.Combine(DataDirectory, "PG_VERSION"))
            && File.Exists(Path.Combine(DataDirectory, "global", "pg_control"));
        if (!initialised && Directory.Exists(DataDirectory) && Directory.EnumerateFileSystemEntries(DataDirectory).Any())
        {
            throw new InvalidOperationException(
                $"'{DataDirectory}' is not empty and is not a PostgreSQL data directory: delete it or choose another one.");
        }

        Directory.CreateDirectory(DataDirectory);
        if (_runAsOtherUser)
        {
            await GiveToServerUserAsync(cancellationToken);
        }

        if (!initialised)
        {
            LogInitialising(_logger, DataDirectory);
            List<string> arguments =
            [
                "-D", DataDirectory, "-U", _options.Superuser, "--auth=trust",
                "--encoding=UTF8", "--locale=C", "--no-instructions",
            ];
            if (_options.UnsafeFastSettings)
            {
                arguments.Add("--no-sync");
            }

            var (exitCode, output) = await RunProgramAsync("initdb", arguments, asServerUser: true, cancellationToken);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"initdb failed with exit code {exitCode}:\n{output}");
            }
        }

        // Rewritten on every start so the authentication mode follows the options, not the first run.
        var tcpMethod = _options.SuperuserPassword is null ? "trust" : "scram-sha-256";
        var hbaPath = Path.Combine(DataDirectory, "pg_hba.conf");
        await File.WriteAllTextAsync(
            hbaPath,
            $"""
            # Written by LocalPostgresServer on every start.
            # The Unix socket lives inside this 0700 data directory, so only its owner (and root) reach it.
            local all all trust
            host all all 127.0.0.1/32 {tcpMethod}

            """,
            cancellationToken);
        if (_runAsOtherUser)
        {
            await GiveToServerUserAsync(cancellationToken);
        }
    }

    private async Task GiveToServerUserAsync(CancellationToken cancellationToken)
    {
        var (exitCode, output) = await RunProgramAsync(
            "chown", ["-R", $"{_options.OsUser}:", DataDirectory], asServerUser: false, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"chown of '{DataDirectory}' to '{_options.OsUser}' failed: {output}");
        }

        // Every parent must be traversable by the server's user: /tmp and /var/tmp are, /root is not.
        (exitCode, _) = await RunProgramAsync("test", ["-w", DataDirectory], asServerUser: true, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException(
                $"The '{_options.OsUser}' user cannot reach '{DataDirectory}': every parent directory must be traversable "
                + "by it (/root is not). Use a directory under /tmp or /var/tmp, or `chmod o+x` the parent directories.");
        }
    }

    /// <summary>
    /// A process killed with SIGKILL leaves its server running (or at least its postmaster.pid): stop
    /// that server so this start owns the data directory, instead of failing on the lock.
    /// </summary>
    private async Task StopLeftoverServerAsync(CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return;
        }

        var firstLine = (await File.ReadAllLinesAsync(pidFile, cancellationToken)).FirstOrDefault();
        if (!int.TryParse(firstLine, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || !IsPostgresProcess(pid))
        {
            // The recorded server is gone; its pid may even belong to another process by now, which
            // PostgreSQL would mistake for a live server.
            File.Delete(pidFile);
            return;
        }

        LogStoppingLeftover(_logger, pid, DataDirectory);
        var (exitCode, output) = await RunProgramAsync(
            "pg_ctl",
            ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", ((int)_options.StopTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)],
            asServerUser: true,
            cancellationToken);
        if (exitCode != 0 && IsPostgresProcess(pid))
        {
            LogLeftoverKill(_logger, pid, output);
            KillProcessTree(pid);
        }

        for (var attempt = 0; attempt < 100 && IsPostgresProcess(pid); attempt++)
        {
            await Task.Delay(100, cancellationToken);
        }

        if (File.Exists(pidFile) && !IsPostgresProcess(pid))
        {
            File.Delete(pidFile);
        }
    }

    private static bool IsPostgresProcess(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim() is "postgres" or "postmaster";
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void KillProcessTree(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    private void StartPostmaster()
    {
        List<string> arguments =
        [
            "-D", DataDirectory,
            "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-c", $"listen_addresses={Host}",
            "-c", $"unix_socket_directories={DataDirectory}",
            "-c", $"max_connections={_options.MaxConnections}",
            "-c", "logging_collector=off",
        ];
        if (_options.UnsafeFastSettings)
        {
            arguments.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        foreach (var (name, value) in _options.Settings)
        {
            arguments.AddRange(["-c", $"{name}={value}"]);
        }

        _recentLog.Clear();
        var startInfo = CreateStartInfo("postgres", arguments, asServerUser: true);
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var exited = NewExitSource();
        process.OutputDataReceived += (_, line) => OnServerOutput(line.Data);
        process.ErrorDataReceived += (_, line) => OnServerOutput(line.Data);
        process.Exited += (_, _) => exited.TrySetResult(SafeExitCode(process));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _postmaster = process;
        _exited = exited;
    }

    private static int SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }

    private void OnServerOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        _recentLog.Enqueue(line);
        while (_recentLog.Count > RecentLogLines && _recentLog.TryDequeue(out _))
        {
        }

        LogServerOutput(_logger, line);
    }

    private string RecentLog() => string.Join('\n', _recentLog);

    private async Task WaitUntilAcceptingAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        Exception? lastError = null;
        while (deadline.Elapsed < _options.StartTimeout)
        {
            if (_postmaster is not { HasExited: false })
            {
                // Let the output readers catch up with the lines explaining why.
                await Task.Delay(200, cancellationToken);
                throw new InvalidOperationException(
                    $"PostgreSQL exited with code {SafeExitCode(_postmaster!)} while starting on {Host}:{Port} ({DataDirectory}):\n{RecentLog()}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(GetUnixSocketConnectionString());
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or SocketException or IOException)
            {
                lastError = exception;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException(
            $"PostgreSQL did not accept connections on {Host}:{Port} within {_options.StartTimeout.TotalSeconds:0} s "
            + $"({lastError?.Message}):\n{RecentLog()}");
    }

    private async Task ApplySuperuserPasswordAsync(CancellationToken cancellationToken)
    {
        if (_options.SuperuserPassword is null)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(GetUnixSocketConnectionString());
        await connection.OpenAsync(cancellationToken);
        // ALTER ROLE takes no parameters; the literal is quoted, and the statement is not logged by default.
        await using var command = new NpgsqlCommand(
            $"ALTER ROLE {QuoteIdentifier(_options.Superuser)} PASSWORD {QuoteLiteral(_options.SuperuserPassword)}",
            connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task StopPostmasterAsync(CancellationToken cancellationToken)
    {
        var postmaster = _postmaster;
        if (postmaster is null || postmaster.HasExited)
        {
            return;
        }

        var (exitCode, output) = await RunProgramAsync(
            "pg_ctl",
            ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", ((int)_options.StopTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)],
            asServerUser: true,
            cancellationToken);
        if (exitCode != 0 && !postmaster.HasExited)
        {
            LogLeftoverKill(_logger, postmaster.Id, output);
            KillPostmaster();
        }

        await postmaster.WaitForExitAsync(cancellationToken);
        LogStopped(_logger, Host, Port);
    }

    private void KillPostmaster()
    {
        var postmaster = _postmaster;
        if (postmaster is null)
        {
            return;
        }

        try
        {
            if (!postmaster.HasExited)
            {
                postmaster.Kill(entireProcessTree: true);
                postmaster.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        catch (Win32Exception)
        {
            // Exited between the check and the kill.
        }
    }

    private ProcessStartInfo CreateStartInfo(string program, IEnumerable<string> arguments, bool asServerUser)
    {
        var isServerProgram = File.Exists(Path.Combine(BinDirectory, program));
        var startInfo = new ProcessStartInfo(isServerProgram ? Path.Combine(BinDirectory, program) : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The server's user may not be allowed into this process's working directory (e.g. /root).
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (asServerUser && _runAsOtherUser)
        {
            // Same effect as `runuser -u postgres --`, without an intermediate process between us and the
            // postmaster (so its exit code and our kill reach the server itself).
            startInfo.UserName = _options.OsUser;
        }

        startInfo.Environment["LC_ALL"] = "C";
        return startInfo;
    }

    private async Task<(int ExitCode, string Output)> RunProgramAsync(
        string program, IEnumerable<string> arguments, bool asServerUser, CancellationToken cancellationToken)
    {
        var startInfo = CreateStartInfo(program, arguments, asServerUser);
        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {program}.");
        }
        catch (Win32Exception exception) when (asServerUser && _runAsOtherUser)
        {
            throw new InvalidOperationException(
                $"Could not run {program} as the '{_options.OsUser}' user ({exception.Message}). The server refuses to run as "
                + "root; the user comes with the Debian package: apt-get install -y postgresql", exception);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, (await stdout + await stderr).Trim());
        }
    }

    private static TaskCompletionSource<int> NewExitSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static string QuoteIdentifier(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    private static string QuoteLiteral(string literal) => $"'{literal.Replace("'", "''", StringComparison.Ordinal)}'";

    private static void DeleteDirectory(string directory)
    {
        // Backends of a killed server may still be writing for a moment.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 4)
            {
                Thread.Sleep(200);
            }
            catch (UnauthorizedAccessException) when (attempt < 4)
            {
                Thread.Sleep(200);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL {MajorVersion} started on {Host}:{Port} (data directory {DataDirectory})")]
    private static partial void LogStarted(ILogger logger, int majorVersion, string host, int port, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL on {Host}:{Port} stopped")]
    private static partial void LogStopped(ILogger logger, string host, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Initialising a PostgreSQL data directory in {DataDirectory}")]
    private static partial void LogInitialising(ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created database {Database}")]
    private static partial void LogDatabaseCreated(ILogger logger, string database);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A PostgreSQL server left running by an earlier run (pid {Pid}) holds {DataDirectory}: stopping it")]
    private static partial void LogStoppingLeftover(ILogger logger, int pid, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pg_ctl stop did not stop PostgreSQL (pid {Pid}), killing it: {Output}")]
    private static partial void LogLeftoverKill(ILogger logger, int pid, string output);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Graceful PostgreSQL shutdown failed; killing the server")]
    private static partial void LogStopFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "postgres: {Line}")]
    private static partial void LogServerOutput(ILogger logger, string line);
}
