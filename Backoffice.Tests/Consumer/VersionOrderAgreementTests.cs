using Backoffice.Data.Sync;
using Backoffice.Tests.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace Backoffice.Tests.Consumer;

/// <summary>
/// The version order exists once, in SQL (<see cref="VersionOrder"/>); the C# <see cref="VersionKey"/>
/// used for in-batch reduction must agree with it on every pair, absent keys and microseconds included.
/// </summary>
public sealed class VersionOrderAgreementTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly DateTimeOffset Base = new(2026, 11, 25, 1, 2, 3, TimeSpan.Zero);

    [Fact]
    public async Task The_CSharp_comparer_agrees_with_the_SQL_version_order_on_random_pairs()
    {
        var random = new Random(20261125);
        var pairs = Enumerable.Range(0, 5000).Select(_ => (A: RandomKey(random), B: RandomKey(random))).ToList();
        var sql = $"""
            SELECT ord,
                   CASE WHEN {VersionOrder.Key("ua", "sa", "ia")} > {VersionOrder.Key("ub", "sb", "ib")} THEN 1
                        WHEN {VersionOrder.Key("ua", "sa", "ia")} = {VersionOrder.Key("ub", "sb", "ib")} THEN 0
                        ELSE -1 END
            FROM unnest($1::timestamptz[], $2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::bigint[], $6::timestamptz[])
                WITH ORDINALITY AS t(ua, sa, ia, ub, sb, ib, ord)
            """;
        await using var command = database.DataSource.CreateCommand(sql);
        command.Parameters.Add(Timestamps(pairs.Select(p => p.A.UpdatedAt)));
        command.Parameters.Add(Versions(pairs.Select(p => p.A.SourceVersion)));
        command.Parameters.Add(Timestamps(pairs.Select(p => (DateTimeOffset?)p.A.IngestedAt)));
        command.Parameters.Add(Timestamps(pairs.Select(p => p.B.UpdatedAt)));
        command.Parameters.Add(Versions(pairs.Select(p => p.B.SourceVersion)));
        command.Parameters.Add(Timestamps(pairs.Select(p => (DateTimeOffset?)p.B.IngestedAt)));

        var disagreements = new List<string>();
        var outcomes = new int[3];
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            var (a, b) = pairs[(int)reader.GetInt64(0) - 1];
            var sqlSign = reader.GetInt32(1);
            outcomes[sqlSign + 1]++;
            if (Math.Sign(a.CompareTo(b)) != sqlSign || (a == b) != (sqlSign == 0))
            {
                disagreements.Add($"{a} vs {b}: SQL {sqlSign}, C# {a.CompareTo(b)}");
            }
        }

        Assert.Empty(disagreements);
        // The generator must exercise all three outcomes, ties included.
        Assert.All(outcomes, count => Assert.True(count > 100, $"outcome counts {string.Join('/', outcomes)}"));
    }

    /// <summary>Few distinct values (so ties happen), microsecond steps, and absent components.</summary>
    private static VersionKey RandomKey(Random random)
    {
        DateTimeOffset? updatedAt = random.Next(3) == 0 ? null : Base.AddTicks(random.Next(4) * TimeSpan.TicksPerMicrosecond + (random.Next(2) * TimeSpan.TicksPerDay * 3650));
        long? sourceVersion = random.Next(3) == 0 ? null : random.Next(4) switch { 0 => 0, 1 => 1, 2 => long.MaxValue, _ => random.Next(3) };
        var ingestedAt = Base.AddTicks(random.Next(3) * TimeSpan.TicksPerMicrosecond);
        return new VersionKey(updatedAt, sourceVersion, ingestedAt);
    }

    private static NpgsqlParameter Timestamps(IEnumerable<DateTimeOffset?> values) =>
        new() { Value = values.Select(v => v?.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };

    private static NpgsqlParameter Versions(IEnumerable<long?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };
}
