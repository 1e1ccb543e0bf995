using System.Diagnostics;
using System.Text;

namespace Backoffice.Tests.Infrastructure;

/// <summary>
/// Runs one of the solution's programs the way a deployment or the AppHost does: <c>dotnet X.dll</c>
/// from that project's own build output (the test project references the projects, so they are built).
/// </summary>
internal sealed class DotnetProgram : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DotnetProgram(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.Exited += (_, _) => _exited.TrySetResult();
    }

    public static string MigratorDll => ProjectOutput("Backoffice.Migrator", "Backoffice.Migrator");

    public static string LocalPostgresDll => ProjectOutput(Path.Combine("tools", "Backoffice.LocalPostgres"), "Backoffice.LocalPostgres");

    public int Id => _process.Id;

    /// <summary>Stdout and stderr interleaved, as a person watching the console sees them.</summary>
    public string Output
    {
        get
        {
            lock (_outputLock)
            {
                return _output.ToString();
            }
        }
    }

    public static DotnetProgram Start(string dll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        startInfo.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // A developer's own settings must not leak into the child.
        startInfo.Environment.Remove("ConnectionStrings__backoffice");
        startInfo.Environment.Remove("POSTGRES_PASSWORD");
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var program = new DotnetProgram(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return program;
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(
        string dll,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment,
        CancellationToken cancellationToken)
    {
        using var program = Start(dll, arguments, environment);
        var exitCode = await program.WaitForExitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        return (exitCode, program.Output);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _exited.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{_process.StartInfo.ArgumentList[0]} did not exit within {timeout}. Output:\n{Output}");
        }

        // Exited fires before the last output lines are read; the parameterless wait drains them.
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; fails early when the program exits.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_exited.Task.IsCompleted || stopwatch.Elapsed > timeout)
            {
                throw new InvalidOperationException(
                    $"Expected \"{text}\" from {Path.GetFileName(_process.StartInfo.ArgumentList[0])}"
                    + $"{(_exited.Task.IsCompleted ? $", which exited with {_process.ExitCode}" : $" within {timeout}")}. Output:\n{Output}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>What systemd, Kubernetes and the Aspire orchestrator send to stop a process.</summary>
    public void SendSigterm()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _output.AppendLine(line);
        }
    }

    public static string ProjectOutput(string projectDirectory, string assemblyName)
    {
        // Tests run from <repo>/Backoffice.Tests/bin/<Configuration>/<tfm>/; the program was built beside its project.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dll = RepositoryPaths.Combine(projectDirectory, "bin", testOutput.Parent!.Name, testOutput.Name, assemblyName + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{assemblyName} is not built (expected {dll}).", dll);
    }
}
