namespace Backoffice.Migrator;

internal enum MigratorCommand
{
    /// <summary>Apply every pending migration (the default).</summary>
    Migrate,

    /// <summary>Print the idempotent SQL script of all migrations on stdout.</summary>
    Script,

    /// <summary>Exit 0 when nothing is pending, <see cref="MigratorExitCodes.PendingMigrations"/> otherwise.</summary>
    Check,
}

internal static class MigratorExitCodes
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int PendingMigrations = 3;
}

internal static class MigratorCommandLine
{
    private const string Usage = """
        usage: Backoffice.Migrator [migrate|script|check] [--Key=Value ...]

          migrate   apply the pending migrations (default); applying twice is a no-op
          script    print the idempotent SQL script of all migrations (no database needed)
          check     exit 0 when the schema is up to date, 3 when migrations are pending (named in the log)

        The database comes from ConnectionStrings:backoffice (env ConnectionStrings__backoffice).
        Migrator:ConnectTimeout (default 00:01:00) bounds the wait for a server that is still starting.
        Exit codes: 0 success, 1 failure, 2 usage, 3 pending migrations (check).
        """;

    public static bool TryParse(string[] args, out MigratorCommand command, out string[] hostArgs)
    {
        command = MigratorCommand.Migrate;
        hostArgs = args;
        if (args.Length == 0)
        {
            return true;
        }

        if (args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            hostArgs = [];
            return false;
        }

        if (args[0].StartsWith('-') || args[0].Contains('=', StringComparison.Ordinal))
        {
            return true;
        }

        hostArgs = args[1..];
        switch (args[0])
        {
            case "migrate":
                return true;
            case "script":
                command = MigratorCommand.Script;
                return true;
            case "check":
                command = MigratorCommand.Check;
                return true;
            default:
                Console.Error.WriteLine($"error: unknown command '{args[0]}'");
                Console.Error.WriteLine(Usage);
                return false;
        }
    }
}
