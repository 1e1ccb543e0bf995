using System.Diagnostics;

namespace Backoffice.Tests.Observability;

/// <summary>
/// Runs <c>promtool</c> (Debian package <c>prometheus</c>). When it is missing, one attempt is made to install it
/// with apt-get (CI runs as root); if that is impossible the calling test is skipped with the reason.
/// </summary>
public static class Promtool
{
    private static readonly Lazy<string?> Path = new(Locate, LazyThreadSafetyMode.ExecutionAndPublication);

    public static Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, params string[] arguments) =>
        RunWithInputAsync(workingDirectory, standardInput: null, arguments);

    public static async Task<(int ExitCode, string Output)> RunWithInputAsync(string workingDirectory, string? standardInput, params string[] arguments)
    {
        var promtool = Path.Value;
        if (promtool is null)
        {
            Assert.Skip("promtool is not installed and could not be installed (apt-get install -y prometheus needs root and the Debian mirror).");
        }

        var start = new ProcessStartInfo(promtool, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
        };
        using var process = Process.Start(start)!;
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string? Locate()
    {
        if (Find() is { } found)
        {
            return found;
        }

        if (Environment.UserName != "root" || !File.Exists("/usr/bin/apt-get"))
        {
            return null;
        }

        using var install = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus)"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _ = install.StandardOutput.ReadToEndAsync();
        _ = install.StandardError.ReadToEndAsync();
        install.WaitForExit(TimeSpan.FromMinutes(10));
        return Find();
    }

    private static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => System.IO.Path.Combine(directory, "promtool"))
            .FirstOrDefault(File.Exists);
}
