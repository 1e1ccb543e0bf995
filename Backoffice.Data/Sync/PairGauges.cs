using Npgsql;

namespace Backoffice.Data.Sync;

/// <summary>Counts behind the <c>pairing_incomplete</c> gauges (§4), read from the partial index on non-COMPLETE pairs.</summary>
public static class PairGauges
{
    private const string Query = """
        SELECT count(*) FILTER (WHERE pairing_status = 'INCOMPLETE'),
               count(*) FILTER (WHERE pairing_status = 'INCOMPLETE' AND first_leg_at < now() - $1)
        FROM bo.payment_ledger_pairs
        WHERE pairing_status <> 'COMPLETE'
        """;

    /// <summary>(INCOMPLETE pairs, INCOMPLETE pairs whose first leg is older than <paramref name="staleAfter"/>).</summary>
    public static async Task<(long Incomplete, long IncompleteStale)> ReadAsync(NpgsqlDataSource dataSource, TimeSpan staleAfter, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Query);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = staleAfter });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
