using System.Globalization;
using System.Text.Json.Nodes;
using Backoffice.LocalInfra.Kafka;

namespace Backoffice.Bench.Infrastructure;

/// <summary>The machine and the code a result came from.</summary>
public static class MachineInfo
{
    public static JsonArray LoadAverage()
    {
        var fields = File.ReadAllText("/proc/loadavg").Split(' ');
        return [.. fields.Take(3).Select(f => JsonValue.Create(double.Parse(f, CultureInfo.InvariantCulture)))];
    }

    public static async Task<JsonObject> DescribeAsync(BenchContext context)
    {
        var memTotalKib = File.ReadLines("/proc/meminfo")
            .First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var cpuModel = File.ReadLines("/proc/cpuinfo")
            .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        var postgres = await TryRunAsync(context, "postgres-version", "/usr/lib/postgresql/15/bin/postgres", ["--version"]);
        var commit = await TryRunAsync(context, "git-rev-parse", "git", ["-C", context.RepositoryRoot, "rev-parse", "HEAD"]);
        // The previous run's results are not code: a modified bench/results/ does not make the run "uncommitted".
        var dirty = await TryRunAsync(context, "git-status", "git", ["-C", context.RepositoryRoot, "status", "--porcelain", "--", ".", ":(exclude)bench/results"]);
        var branch = await TryRunAsync(context, "git-branch", "git", ["-C", context.RepositoryRoot, "rev-parse", "--abbrev-ref", "HEAD"]);
        return new JsonObject
        {
            ["nproc"] = Environment.ProcessorCount,
            ["memory_gib"] = Math.Round(long.Parse(memTotalKib, CultureInfo.InvariantCulture) / 1024.0 / 1024.0, 1),
            ["cpu_model"] = cpuModel,
            ["kernel"] = File.ReadAllText("/proc/sys/kernel/osrelease").Trim(),
            ["dotnet_runtime"] = Environment.Version.ToString(),
            ["postgresql"] = postgres?.Trim(),
            ["librdkafka"] = MockKafkaCluster.LibrdkafkaVersion,
            ["git_commit"] = commit?.Trim(),
            ["git_branch"] = branch?.Trim(),
            ["git_dirty"] = dirty is null ? null : dirty.Trim().Length > 0,
        };
    }

    private static async Task<string?> TryRunAsync(BenchContext context, string name, string fileName, string[] arguments)
    {
        try
        {
            return await ChildProcess.RunAsync(context, name, fileName, arguments, timeout: TimeSpan.FromSeconds(20));
        }
        catch (InvalidOperationException)
        {
            return null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
