using System.Globalization;

namespace Backoffice.Bench.Infrastructure;

/// <summary>Machine-wide CPU use between two readings of <c>/proc/stat</c>, in cores busy (0 to nproc).</summary>
public sealed class CpuMeter
{
    private readonly (long Busy, long Total) _start = Read();
    private readonly long _startTicks = Environment.TickCount64;

    /// <summary>Average number of busy cores since this meter was created.</summary>
    public double BusyCores()
    {
        var (busy, total) = Read();
        var totalDelta = total - _start.Total;
        return totalDelta <= 0 ? 0 : Environment.ProcessorCount * (double)(busy - _start.Busy) / totalDelta;
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

    private static (long Busy, long Total) Read()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var idle = cpu[3] + cpu[4];
        var total = cpu.Take(8).Sum();
        return (total - idle, total);
    }
}
