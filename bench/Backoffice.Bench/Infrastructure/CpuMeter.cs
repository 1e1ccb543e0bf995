using System.Globalization;
using System.Text.Json.Nodes;

namespace Backoffice.Bench.Infrastructure;

/// <summary>Machine-wide CPU use between two readings of <c>/proc/stat</c>, in cores busy (0 to nproc).</summary>
public sealed class CpuMeter
{
    private readonly Jiffies _start = Read();
    private readonly long _startTicks = Environment.TickCount64;

    /// <summary>
    /// The machine's CPU use since this meter was created, in cores: busy (time stolen by the
    /// hypervisor included), of that stolen (another guest ran on this one's CPUs), and idle while
    /// waiting for I/O. A figure measured with stolen time or I/O wait well above the other windows'
    /// came from a disturbed host.
    /// </summary>
    public CpuUse Use()
    {
        var now = Read();
        var totalDelta = now.Total - _start.Total;
        double Cores(long part) => totalDelta <= 0 ? 0 : Environment.ProcessorCount * (double)part / totalDelta;
        return new CpuUse(Cores(now.Busy - _start.Busy), Cores(now.Steal - _start.Steal), Cores(now.IoWait - _start.IoWait));
    }

    public TimeSpan Elapsed => TimeSpan.FromMilliseconds(Environment.TickCount64 - _startTicks);

    /// <summary>CPU seconds a process has used so far (user + system), from <c>/proc/&lt;pid&gt;/stat</c>.</summary>
    public static double ProcessCpuSeconds(int pid)
    {
        try
        {
            var fields = StatFields(pid);
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks / 100.0;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    /// <summary>
    /// CPU seconds a PostgreSQL server has used so far: its postmaster and every server process
    /// (backends, WAL writer, checkpointer, autovacuum), those that already exited included (their
    /// times are in the postmaster's reaped-children counters). The difference of two readings is
    /// the database's work in between, whichever connection caused it.
    /// </summary>
    public static double PostgresCpuSeconds(string dataDirectory)
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        long ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var fields = StatFields(pid);
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (pid == postmaster || parent == postmaster)
                {
                    // utime, stime, cutime, cstime (fields 14-17 of /proc/<pid>/stat).
                    ticks += fields.Skip(11).Take(4).Sum(f => long.Parse(f, CultureInfo.InvariantCulture));
                }
            }
            catch (IOException)
            {
                // The process exited between the listing and the read; the postmaster has its times now.
            }
        }

        return ticks / 100.0;
    }

    /// <summary>The fields of <c>/proc/&lt;pid&gt;/stat</c> after the command name, from field 3 (state) on.</summary>
    private static string[] StatFields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) may contain spaces; the fields after its ')' are fixed.
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    /// <summary>The machine's CPU time so far, from the first line of <c>/proc/stat</c> (user, nice, system, idle, iowait, irq, softirq, steal).</summary>
    private static Jiffies Read()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return new Jiffies(Total: cpu.Take(8).Sum(), Idle: cpu[3], IoWait: cpu[4], Steal: cpu[7]);
    }

    /// <summary>Cores busy, stolen and in I/O wait over a window (see <see cref="Use"/>).</summary>
    public readonly record struct CpuUse(double Busy, double Stolen, double IoWait)
    {
        public JsonObject ToJson() => new()
        {
            ["busy"] = BenchResult.Round(Busy, 2),
            ["stolen"] = BenchResult.Round(Stolen, 2),
            ["io_wait"] = BenchResult.Round(IoWait, 2),
        };

        /// <summary>Sets <c>machine_busy_cores{suffix}</c> and <c>machine_cores{suffix}</c> on a window's result.</summary>
        public void AddTo(JsonObject window, string suffix = "")
        {
            window[$"machine_busy_cores{suffix}"] = BenchResult.Round(Busy, 2);
            window[$"machine_cores{suffix}"] = ToJson();
        }
    }

    private readonly record struct Jiffies(long Total, long Idle, long IoWait, long Steal)
    {
        public long Busy => Total - Idle - IoWait;
    }
}
