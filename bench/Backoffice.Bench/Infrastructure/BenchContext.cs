using System.Diagnostics;
using System.Globalization;

namespace Backoffice.Bench.Infrastructure;

/// <summary>Where things are, and the progress log (stderr; stdout carries only the JSON summary).</summary>
public sealed class BenchContext
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public BenchContext(string configuration, CancellationToken cancellationToken)
    {
        RepositoryRoot = FindRepositoryRoot();
        Configuration = configuration;
        CancellationToken = cancellationToken;
        ResultsDirectory = Path.Combine(RepositoryRoot, "bench", "results");
        LogsDirectory = Path.Combine(ResultsDirectory, "logs");
        Directory.CreateDirectory(LogsDirectory);
    }

    public string RepositoryRoot { get; }

    /// <summary>The build configuration the child processes come from (Release).</summary>
    public string Configuration { get; }

    public CancellationToken CancellationToken { get; }

    public string ResultsDirectory { get; }

    /// <summary>Child process output (consumer, API, wrk, pgbench), one file per process and run.</summary>
    public string LogsDirectory { get; }

    /// <summary>The apphost executable of a project built next to the harness, e.g. <c>Backoffice.SyncConsumer</c>.</summary>
    public string ProjectExecutable(string project)
    {
        var path = Path.Combine(RepositoryRoot, project, "bin", Configuration, "net10.0", project);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException(
                $"{path} does not exist: build it first (`dotnet build bench/Backoffice.Bench -c {Configuration}` builds it too).", path);
    }

    public void Log(string message) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[bench {_clock.Elapsed.TotalSeconds,7:0.0}s] {message}"));

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Backoffice.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Backoffice.sln above {AppContext.BaseDirectory}.");
    }
}
