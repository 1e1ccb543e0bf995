namespace Backoffice.LocalInfra.Postgres;

/// <summary>How <see cref="LocalPostgresServer"/> lays out and runs its private server.</summary>
public sealed class LocalPostgresOptions
{
    /// <summary>
    /// The PostgreSQL data directory. Null: a fresh directory under the system temp directory, deleted
    /// on dispose. A given directory is kept (initialised on first use, reused afterwards) unless
    /// <see cref="DeleteDataDirectoryOnDispose"/> is set.
    /// </summary>
    public string? DataDirectory { get; init; }

    public bool DeleteDataDirectoryOnDispose { get; init; }

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one (kept across restarts of the same instance).</summary>
    public int Port { get; init; }

    public string Superuser { get; init; } = "postgres";

    /// <summary>
    /// Password for TCP connections (scram-sha-256), applied on every start so a changed password wins.
    /// Null: TCP connections are trusted, for tests only.
    /// </summary>
    public string? SuperuserPassword { get; init; }

    /// <summary>
    /// <c>fsync</c>, <c>synchronous_commit</c> and <c>full_page_writes</c> off: much faster, and a
    /// machine crash can corrupt the data. For throw-away test servers only.
    /// </summary>
    public bool UnsafeFastSettings { get; init; }

    public int MaxConnections { get; init; } = 200;

    /// <summary>Directory holding <c>initdb</c>, <c>postgres</c> and <c>pg_ctl</c>; null finds them.</summary>
    public string? BinDirectory { get; init; }

    /// <summary>The OS account that runs the server when this process is root (initdb and postgres refuse root).</summary>
    public string OsUser { get; init; } = "postgres";

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra <c>-c name=value</c> server settings.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}
