using Npgsql;

namespace Backoffice.Data;

/// <summary>Checks on the Backoffice connection string that both services make at start-up.</summary>
public static class BoConnectionStrings
{
    /// <summary>
    /// Whether the connection string turns on Npgsql multiplexing, which neither service accepts:
    /// Npgsql applies no command timeout to multiplexed commands (npgsql/npgsql#3110), so a statement
    /// stuck behind a lock or on a server that stopped answering would never end. A connection
    /// string Npgsql cannot read is left to fail where the data source is built.
    /// </summary>
    public static bool EnablesMultiplexing(string connectionString)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString).Multiplexing;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
