using System.Globalization;
using Backoffice.LocalInfra.Postgres;

namespace Backoffice.LocalPostgres;

/// <summary>Command line, then environment, then defaults.</summary>
internal sealed record LocalPostgresSettings(int Port, string DataDirectory, string Database, string? Password)
{
    public const int DefaultPort = 55432;
    public const string DefaultDatabase = "backoffice";
    public const int UsageExitCode = 2;

    private const string Usage = """
        Runs a local PostgreSQL from the machine's binaries until SIGTERM/SIGINT.

        usage: Backoffice.LocalPostgres [--port N] [--data-dir DIR] [--database NAME] [--trust]

          --port N          TCP port on 127.0.0.1 (env LOCALPG_PORT, default 55432)
          --data-dir DIR    data directory, kept between runs
                            (env LOCALPG_DATA_DIR, default /var/tmp/backoffice/postgres-<port>)
          --database NAME   database created if missing (env LOCALPG_DATABASE, default backoffice)
          --trust           no password for TCP connections (otherwise env POSTGRES_PASSWORD is required)
        """;

    public LocalPostgresOptions ToServerOptions() => new()
    {
        Port = Port,
        DataDirectory = DataDirectory,
        SuperuserPassword = Password,
    };

    public static LocalPostgresSettings? Parse(string[] args, Func<string, string?> environment)
    {
        string? port = environment("LOCALPG_PORT");
        string? dataDirectory = environment("LOCALPG_DATA_DIR");
        string? database = environment("LOCALPG_DATABASE");
        var trust = false;

        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--port" when i + 1 < args.Length:
                    port = args[++i];
                    break;
                case "--data-dir" when i + 1 < args.Length:
                    dataDirectory = args[++i];
                    break;
                case "--database" when i + 1 < args.Length:
                    database = args[++i];
                    break;
                case "--trust":
                    trust = true;
                    break;
                case "--help" or "-h":
                    Console.WriteLine(Usage);
                    return null;
                default:
                    return Fail($"unknown or incomplete argument '{args[i]}'");
            }
        }

        var portNumber = DefaultPort;
        if (!string.IsNullOrWhiteSpace(port)
            && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out portNumber) || portNumber is < 1 or > 65535))
        {
            return Fail($"invalid port '{port}' (--port / LOCALPG_PORT)");
        }

        var password = environment("POSTGRES_PASSWORD");
        if (!trust && string.IsNullOrEmpty(password))
        {
            return Fail("POSTGRES_PASSWORD is not set: set it, or pass --trust for password-less local connections");
        }

        return new LocalPostgresSettings(
            portNumber,
            string.IsNullOrWhiteSpace(dataDirectory) ? $"/var/tmp/backoffice/postgres-{portNumber}" : dataDirectory,
            string.IsNullOrWhiteSpace(database) ? DefaultDatabase : database,
            trust ? null : password);
    }

    private static LocalPostgresSettings? Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        Console.Error.WriteLine(Usage);
        return null;
    }
}
