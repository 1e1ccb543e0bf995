using Npgsql;

namespace Backoffice.Data;

/// <summary>Checks and defaults on the Backoffice connection string that both services apply at start-up.</summary>
public static class BoConnectionStrings
{
    /// <summary>
    /// Whether the connection string turns on Npgsql multiplexing, which neither service accepts:
    /// Npgsql applies no command timeout to multiplexed commands (npgsql/npgsql#3110), so a statement
    /// stuck behind a lock or on a server that stopped answering would never end.
    /// </summary>
    public static bool EnablesMultiplexing(string connectionString) => TryParse(connectionString)?.Multiplexing ?? false;

    /// <summary>The connection string's <c>Minimum Pool Size</c>, or null when Npgsql cannot read it.</summary>
    public static int? MinimumPoolSize(string connectionString) => TryParse(connectionString)?.MinPoolSize;

    /// <summary>
    /// Has every connection start with PostgreSQL's <c>plan_cache_mode</c> set to <paramref name="mode"/>
    /// (through the startup <c>Options</c>), unless the connection string's <c>Options</c> set it already:
    /// an operator's choice there wins.
    /// </summary>
    public static void DefaultPlanCacheMode(NpgsqlConnectionStringBuilder settings, string mode)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Options?.Contains("plan_cache_mode", StringComparison.Ordinal) == true)
        {
            return;
        }

        var option = $"-c plan_cache_mode={mode}";
        settings.Options = string.IsNullOrWhiteSpace(settings.Options) ? option : $"{settings.Options} {option}";
    }

    /// <summary>
    /// Null for a connection string Npgsql cannot read: the checks leave it to fail where the data
    /// source is built, with Npgsql's own message.
    /// </summary>
    private static NpgsqlConnectionStringBuilder? TryParse(string connectionString)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
