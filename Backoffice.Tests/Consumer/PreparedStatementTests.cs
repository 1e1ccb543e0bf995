using Backoffice.SyncConsumer.Hosting;
using Backoffice.Tests.Infrastructure;
using Npgsql;

namespace Backoffice.Tests.Consumer;

/// <summary>The consumer's database sessions: named on the server, repeated statements prepared, plans made from each batch's own values.</summary>
public sealed class PreparedStatementTests(PostgresDatabaseFixture database, KafkaBrokerFixture kafka) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task The_consumer_s_sessions_carry_its_name_on_the_server()
    {
        var settings = await ConsumerFixture.CreateSettingsAsync(kafka, database.ConnectionString);
        await using var host = new ConsumerHost(settings).Start();
        using var producer = new TestProducer(kafka.BootstrapServers);
        var id = Guid.NewGuid().ToString("N")[..8];

        await producer.SendAsync(settings.LedgerTopic, id, Json.Ledger($"{id}-p", "PAYMENT", "5", $"po-{id}", version: 1));

        // The connection string names nothing: an operator reading pg_stat_activity still tells the consumer from the API.
        await Eventually.Holds(() => Assert.Equal(1, host.Messages("ledger", "upserted")));
        Assert.True(await ServerSessions.CountAsync(database.ConnectionString, SyncConsumerExtensions.DatabaseApplicationName, TestContext.Current.CancellationToken) >= 1);
    }

    [Fact]
    public async Task A_repeated_statement_is_prepared_and_planned_for_its_own_values()
    {
        await using var dataSource = Build(database.ConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);

        for (var i = 0; i < 6; i++)
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM bo.ledger_entries WHERE tx_id = ANY($1)", connection)
            {
                Parameters = { new NpgsqlParameter<string[]> { TypedValue = [$"tx-{i}"] } },
            };
            await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal("force_custom_plan", await ScalarAsync<string>(connection, "SHOW plan_cache_mode"));
        Assert.Equal(1L, await ScalarAsync<long>(connection, "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%bo.ledger_entries WHERE tx_id = ANY%'"));
    }

    [Fact]
    public void A_connection_string_that_sets_the_plan_cache_mode_or_auto_prepare_keeps_them()
    {
        var own = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxAutoPrepare = 5, Options = "-c plan_cache_mode=auto -c statement_timeout=5s" };

        var builder = new NpgsqlDataSourceBuilder(own.ConnectionString);
        SyncConsumerExtensions.PrepareStatements(builder);

        Assert.Equal((5, "-c plan_cache_mode=auto -c statement_timeout=5s"), (builder.ConnectionStringBuilder.MaxAutoPrepare, builder.ConnectionStringBuilder.Options));
    }

    [Theory]
    [InlineData("Max Auto Prepare=0")]
    [InlineData("maxautoprepare=0")]
    public void Auto_prepare_turned_off_in_the_connection_string_stays_off(string setting)
    {
        var builder = new NpgsqlDataSourceBuilder($"{database.ConnectionString};{setting}");
        SyncConsumerExtensions.PrepareStatements(builder);

        Assert.Equal(0, builder.ConnectionStringBuilder.MaxAutoPrepare);
        Assert.Equal("-c plan_cache_mode=force_custom_plan", builder.ConnectionStringBuilder.Options);
    }

    [Fact]
    public void Other_session_options_are_kept_beside_the_plan_cache_mode()
    {
        var own = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Options = "-c statement_timeout=5s" };

        var builder = new NpgsqlDataSourceBuilder(own.ConnectionString);
        SyncConsumerExtensions.PrepareStatements(builder);

        Assert.Equal("-c statement_timeout=5s -c plan_cache_mode=force_custom_plan", builder.ConnectionStringBuilder.Options);
        Assert.True(builder.ConnectionStringBuilder.MaxAutoPrepare > 0);
    }

    private static NpgsqlDataSource Build(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        SyncConsumerExtensions.PrepareStatements(builder);
        return builder.Build();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
