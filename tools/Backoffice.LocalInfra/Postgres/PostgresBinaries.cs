using System.ComponentModel;
using System.Diagnostics;

namespace Backoffice.LocalInfra.Postgres;

/// <summary>Finds the PostgreSQL server programs the machine has (Debian: /usr/lib/postgresql/N/bin).</summary>
public static class PostgresBinaries
{
    private const string DebianRoot = "/usr/lib/postgresql";
    private static readonly string[] RequiredPrograms = ["initdb", "postgres", "pg_ctl"];

    /// <summary>The first of: <paramref name="configured"/>, <c>pg_config --bindir</c>, the newest /usr/lib/postgresql/*/bin.</summary>
    /// <exception cref="InvalidOperationException">No directory holds initdb, postgres and pg_ctl.</exception>
    public static string Locate(string? configured = null)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return HasServerPrograms(configured)
                ? configured
                : throw new InvalidOperationException(
                    $"The PostgreSQL bin directory '{configured}' does not contain {string.Join(", ", RequiredPrograms)}.");
        }

        var candidates = new List<string>();
        if (PgConfigBinDirectory() is { } fromPgConfig)
        {
            candidates.Add(fromPgConfig);
        }

        if (Directory.Exists(DebianRoot))
        {
            candidates.AddRange(Directory.GetDirectories(DebianRoot)
                .Select(versionDirectory => (Version: ParseVersion(Path.GetFileName(versionDirectory)), Bin: Path.Combine(versionDirectory, "bin")))
                .Where(candidate => candidate.Version is not null)
                .OrderByDescending(candidate => candidate.Version)
                .Select(candidate => candidate.Bin));
        }

        return candidates.FirstOrDefault(HasServerPrograms)
            ?? throw new InvalidOperationException(
                "PostgreSQL server binaries (initdb, postgres, pg_ctl) were not found: looked at `pg_config --bindir` and "
                + $"{DebianRoot}/*/bin. Install them with: apt-get install -y postgresql");
    }

    private static bool HasServerPrograms(string directory) =>
        RequiredPrograms.All(program => File.Exists(Path.Combine(directory, program)));

    private static Version? ParseVersion(string name) =>
        Version.TryParse(name.Contains('.', StringComparison.Ordinal) ? name : name + ".0", out var version) ? version : null;

    private static string? PgConfigBinDirectory()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (Win32Exception)
        {
            // pg_config is absent (no libpq-dev / postgresql-common): fall back to the Debian layout.
            return null;
        }
    }
}
