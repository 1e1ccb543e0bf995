using Backoffice.Data;
using Backoffice.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Backoffice.Tests.Data;

/// <summary>The migrated <c>bo</c> schema is exactly the one spec §1 describes.</summary>
public sealed class SchemaTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly Dictionary<string, string[]> ExpectedColumns = new()
    {
        ["ledger_entries"] =
        [
            "tx_id text not null",
            "wallet_id text not null",
            "entry_type text not null",
            "amount numeric(26,8) not null",
            "currency character(3) null",
            "related_id text null",
            "related_type text null",
            "status text null",
            "occurred_at timestamp with time zone null",
            "updated_at timestamp with time zone null",
            "source_version bigint null",
            "ingested_at timestamp with time zone not null",
            "first_ingested_at timestamp with time zone not null",
            "event_id text null",
            "source_topic text null",
            "source_partition integer null",
            "source_offset bigint null",
            "payload jsonb not null",
        ],
        ["payment_orders"] =
        [
            "order_id text not null",
            "status text not null",
            "amount numeric(26,8) null",
            "currency character(3) null",
            "payer_wallet_id text null",
            "payee_wallet_id text null",
            "created_at timestamp with time zone null",
            "updated_at timestamp with time zone null",
            "source_version bigint null",
            "ingested_at timestamp with time zone not null",
            "first_ingested_at timestamp with time zone not null",
            "event_id text null",
            "source_topic text null",
            "source_partition integer null",
            "source_offset bigint null",
            "payload jsonb not null",
        ],
        ["payment_ledger_pairs"] =
        [
            "related_id text not null",
            "related_type text not null",
            "pairing_status text not null",
            "pairing_reason text null",
            "payment_tx_id text null",
            "receive_tx_id text null",
            "payment_amount numeric(26,8) null",
            "receive_amount numeric(26,8) null",
            "currency character(3) null",
            "leg_count integer not null",
            "first_leg_at timestamp with time zone not null",
            "completed_at timestamp with time zone null",
            "status_changed_at timestamp with time zone not null",
        ],
        ["admin_audit_logs"] =
        [
            "id bigint not null identity",
            "occurred_at timestamp with time zone not null",
            "actor_id text not null",
            "actor_name text null",
            "actor_roles text[] not null",
            "auth_mode text not null",
            "action text not null",
            "route text not null",
            "resource_type text not null",
            "resource_id text not null",
            "query jsonb null",
            "result text not null",
            "status_code integer not null",
            "duration_ms double precision not null",
            "result_count integer not null",
            "trace_id text null",
            "client_ip inet null",
            "user_agent text null",
        ],
        ["consumer_dlq_events"] =
        [
            "id bigint not null identity",
            "topic text not null",
            "partition integer not null",
            "offset bigint not null",
            "message_key bytea null",
            "payload bytea null",
            "payload_size integer not null",
            "payload_sha256 bytea null",
            "headers jsonb null",
            "stream text not null",
            "error_code text not null",
            "error_stage text not null",
            "error_message text not null",
            "first_failed_at timestamp with time zone not null",
            "last_failed_at timestamp with time zone not null",
            "attempt_count integer not null default 1",
            "status text not null default 'PENDING'::text",
            "replayed_at timestamp with time zone null",
        ],
    };

    private static readonly string[] ExpectedIndexes =
    [
        "CREATE INDEX ix_admin_audit_logs_actor_id_occurred_at ON bo.admin_audit_logs USING btree (actor_id, occurred_at)",
        "CREATE INDEX ix_admin_audit_logs_occurred_at ON bo.admin_audit_logs USING btree (occurred_at)",
        "CREATE INDEX ix_admin_audit_logs_resource ON bo.admin_audit_logs USING btree (resource_type, resource_id)",
        "CREATE INDEX ix_consumer_dlq_events_status_first_failed_at ON bo.consumer_dlq_events USING btree (status, first_failed_at)",
        "CREATE INDEX ix_ledger_entries_related_id ON bo.ledger_entries USING btree (related_id)",
        "CREATE INDEX ix_ledger_entries_wallet_listing ON bo.ledger_entries USING btree (wallet_id, occurred_at DESC, tx_id DESC)",
        "CREATE INDEX ix_payment_ledger_pairs_open_first_leg_at ON bo.payment_ledger_pairs USING btree (first_leg_at) WHERE (pairing_status <> 'COMPLETE'::text)",
        "CREATE UNIQUE INDEX pk___ef_migrations_history ON bo.\"__EFMigrationsHistory\" USING btree (migration_id)",
        "CREATE UNIQUE INDEX pk_admin_audit_logs ON bo.admin_audit_logs USING btree (id)",
        "CREATE UNIQUE INDEX pk_consumer_dlq_events ON bo.consumer_dlq_events USING btree (id)",
        "CREATE UNIQUE INDEX pk_ledger_entries ON bo.ledger_entries USING btree (tx_id)",
        "CREATE UNIQUE INDEX pk_payment_ledger_pairs ON bo.payment_ledger_pairs USING btree (related_id)",
        "CREATE UNIQUE INDEX pk_payment_orders ON bo.payment_orders USING btree (order_id)",
        "CREATE UNIQUE INDEX ux_consumer_dlq_events_position ON bo.consumer_dlq_events USING btree (topic, partition, \"offset\")",
    ];

    private static readonly string[] ExpectedCheckConstraints =
    [
        "admin_audit_logs.ck_admin_audit_logs_duration_ms",
        "admin_audit_logs.ck_admin_audit_logs_result_count",
        "admin_audit_logs.ck_admin_audit_logs_status_code",
        "consumer_dlq_events.ck_consumer_dlq_events_attempt_count",
        "consumer_dlq_events.ck_consumer_dlq_events_error_stage",
        "consumer_dlq_events.ck_consumer_dlq_events_offset",
        "consumer_dlq_events.ck_consumer_dlq_events_partition",
        "consumer_dlq_events.ck_consumer_dlq_events_payload_length",
        "consumer_dlq_events.ck_consumer_dlq_events_payload_sha256",
        "consumer_dlq_events.ck_consumer_dlq_events_payload_size",
        "consumer_dlq_events.ck_consumer_dlq_events_status",
        "ledger_entries.ck_ledger_entries_amount",
        "ledger_entries.ck_ledger_entries_currency",
        "ledger_entries.ck_ledger_entries_entry_type",
        "ledger_entries.ck_ledger_entries_related_id_length",
        "ledger_entries.ck_ledger_entries_source_version",
        "ledger_entries.ck_ledger_entries_tx_id_length",
        "ledger_entries.ck_ledger_entries_wallet_id_length",
        "payment_ledger_pairs.ck_payment_ledger_pairs_currency",
        "payment_ledger_pairs.ck_payment_ledger_pairs_leg_count",
        "payment_ledger_pairs.ck_payment_ledger_pairs_pairing_status",
        "payment_ledger_pairs.ck_payment_ledger_pairs_payment_amount",
        "payment_ledger_pairs.ck_payment_ledger_pairs_receive_amount",
        "payment_ledger_pairs.ck_payment_ledger_pairs_related_id_length",
        "payment_orders.ck_payment_orders_amount",
        "payment_orders.ck_payment_orders_currency",
        "payment_orders.ck_payment_orders_order_id_length",
        "payment_orders.ck_payment_orders_source_version",
    ];

    [Fact]
    public async Task Migrations_create_exactly_the_five_bo_tables_and_the_history_table()
    {
        var tables = await QueryAsync("SELECT tablename FROM pg_tables WHERE schemaname = 'bo' ORDER BY tablename");

        Assert.Equal(
            ["__EFMigrationsHistory", "admin_audit_logs", "consumer_dlq_events", "ledger_entries", "payment_ledger_pairs", "payment_orders"],
            tables);
    }

    [Theory]
    [InlineData("ledger_entries")]
    [InlineData("payment_orders")]
    [InlineData("payment_ledger_pairs")]
    [InlineData("admin_audit_logs")]
    [InlineData("consumer_dlq_events")]
    public async Task Columns_have_the_specified_names_types_nullability_and_defaults(string table)
    {
        var columns = await QueryAsync(
            """
            SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                || CASE WHEN a.attnotnull THEN ' not null' ELSE ' null' END
                || CASE WHEN a.attidentity <> '' THEN ' identity' ELSE '' END
                || COALESCE(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE n.nspname = 'bo' AND c.relname = $1 AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """,
            table);

        Assert.Equal(ExpectedColumns[table], columns);
    }

    [Fact]
    public async Task Indexes_have_the_specified_names_columns_order_predicates_and_uniqueness()
    {
        var indexes = await QueryAsync("SELECT indexdef FROM pg_indexes WHERE schemaname = 'bo' ORDER BY indexdef");

        Assert.Equal(ExpectedIndexes.Order(StringComparer.Ordinal), indexes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Check_constraints_have_readable_names()
    {
        var constraints = await QueryAsync(
            """
            SELECT c.relname || '.' || k.conname
            FROM pg_constraint k
            JOIN pg_class c ON c.oid = k.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'bo' AND k.contype = 'c'
            """);

        Assert.Equal(ExpectedCheckConstraints.Order(StringComparer.Ordinal), constraints.Order(StringComparer.Ordinal));
    }

    public static TheoryData<string, string> RowsBreakingARule => new()
    {
        { LedgerRow(entryType: "'FOO'"), "ck_ledger_entries_entry_type" },
        { LedgerRow(entryType: "'payment'"), "ck_ledger_entries_entry_type" },
        { LedgerRow(amount: "-0.00000001"), "ck_ledger_entries_amount" },
        { LedgerRow(txId: $"'{new string('x', 129)}'"), "ck_ledger_entries_tx_id_length" },
        { LedgerRow(txId: "''"), "ck_ledger_entries_tx_id_length" },
        { LedgerRow(walletId: $"'{new string('w', 129)}'"), "ck_ledger_entries_wallet_id_length" },
        { LedgerRow(currency: "'eur'"), "ck_ledger_entries_currency" },
        { LedgerRow(currency: "'EU'"), "ck_ledger_entries_currency" },
        { LedgerRow(sourceVersion: "-1"), "ck_ledger_entries_source_version" },
        { OrderRow(amount: "-1"), "ck_payment_orders_amount" },
        { PairRow(status: "'MAYBE'"), "ck_payment_ledger_pairs_pairing_status" },
        { PairRow(legCount: "-1"), "ck_payment_ledger_pairs_leg_count" },
        { DlqRow(status: "'LOST'"), "ck_consumer_dlq_events_status" },
        { DlqRow(errorStage: "'PARSE'"), "ck_consumer_dlq_events_error_stage" },
        { DlqRow(attemptCount: "0"), "ck_consumer_dlq_events_attempt_count" },
        { DlqRow(sha256: "'\\x00'::bytea"), "ck_consumer_dlq_events_payload_sha256" },
        { AuditRow(statusCode: "42"), "ck_admin_audit_logs_status_code" },
    };

    [Theory]
    [MemberData(nameof(RowsBreakingARule))]
    public async Task A_row_breaking_a_rule_is_rejected_by_its_named_check_constraint(string insert, string constraint)
    {
        var exception = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(insert));

        Assert.Equal(PostgresErrorCodes.CheckViolation, exception.SqlState);
        Assert.Equal(constraint, exception.ConstraintName);
    }

    [Fact]
    public async Task The_same_rows_with_valid_values_are_accepted()
    {
        var key = Guid.NewGuid().ToString("N");

        await ExecuteAsync(LedgerRow(txId: $"'{key}'", currency: "'EUR'", amount: "0"));
        await ExecuteAsync(OrderRow(orderId: $"'{key}'"));
        await ExecuteAsync(PairRow(relatedId: $"'{key}'"));
        await ExecuteAsync(DlqRow(topic: $"'{key}'"));
        await ExecuteAsync(AuditRow());
    }

    [Fact]
    public async Task A_ledger_entry_without_wallet_id_is_rejected()
    {
        var exception = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(
            "INSERT INTO bo.ledger_entries (tx_id, entry_type, amount, ingested_at, first_ingested_at, payload) "
            + "VALUES ('no-wallet', 'PAYMENT', 1, now(), now(), '{}')"));

        Assert.Equal(PostgresErrorCodes.NotNullViolation, exception.SqlState);
        Assert.Equal("wallet_id", exception.ColumnName);
    }

    [Fact]
    public async Task A_dlq_row_inserted_with_the_minimum_starts_pending_at_attempt_1_and_a_redelivery_cannot_duplicate_it()
    {
        const string insert = """
            INSERT INTO bo.consumer_dlq_events (topic, partition, "offset", payload_size, stream, error_code, error_stage,
                error_message, first_failed_at, last_failed_at)
            VALUES ('dlq-defaults', 3, 42, 0, 'ledger', 'INVALID_JSON', 'DESERIALIZE', 'bad', now(), now())
            RETURNING id, attempt_count, status
            """;
        await using var connection = await database.DataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using (var command = new NpgsqlCommand(insert, connection))
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
            Assert.True(reader.GetInt64(0) > 0);
            Assert.Equal(1, reader.GetInt32(1));
            Assert.Equal("PENDING", reader.GetString(2));
        }

        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(insert));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
        Assert.Equal("ux_consumer_dlq_events_position", duplicate.ConstraintName);
    }

    [Fact]
    public async Task Entities_round_trip_through_the_context_with_their_postgres_types()
    {
        var at = new DateTimeOffset(2026, 11, 25, 10, 30, 0, TimeSpan.Zero).AddTicks(1234560);
        var cancellationToken = TestContext.Current.CancellationToken;
        long auditId;
        await using (var db = database.CreateDbContext())
        {
            db.LedgerEntries.Add(new Backoffice.Data.Ledger.LedgerEntry
            {
                TxId = "roundtrip-tx",
                WalletId = "wallet-1",
                EntryType = Backoffice.Data.Ledger.EntryTypes.Receive,
                Amount = 123456789012345678.12345678m,
                Currency = "EUR",
                RelatedId = "order-1",
                OccurredAt = at,
                IngestedAt = at,
                FirstIngestedAt = at,
                SourceVersion = long.MaxValue,
                Payload = """{"tx_id":"roundtrip-tx","amount":"1"}""",
            });
            var audit = new Backoffice.Data.Audit.AdminAuditLog
            {
                OccurredAt = at,
                ActorId = "anonymous",
                ActorRoles = ["Backoffice.Reader", "Backoffice.Auditor"],
                AuthMode = "none",
                Action = "GET_TX",
                Route = "/api/tx/{txId}",
                ResourceType = "tx",
                ResourceId = "roundtrip-tx",
                Query = """{"limit":50}""",
                Result = Backoffice.Data.Audit.AuditResults.Found,
                StatusCode = 200,
                DurationMs = 1.5,
                ResultCount = 1,
                ClientIp = System.Net.IPAddress.Parse("127.0.0.1"),
            };
            db.AdminAuditLogs.Add(audit);
            await db.SaveChangesAsync(cancellationToken);
            auditId = audit.Id;
        }

        await using (var db = database.CreateDbContext())
        {
            var entry = await db.LedgerEntries.AsNoTracking().SingleAsync(e => e.TxId == "roundtrip-tx", cancellationToken);
            Assert.Equal(123456789012345678.12345678m, entry.Amount);
            Assert.Equal("EUR", entry.Currency);
            Assert.Equal(at, entry.OccurredAt);
            Assert.Equal(long.MaxValue, entry.SourceVersion);
            Assert.Contains("\"tx_id\": \"roundtrip-tx\"", entry.Payload, StringComparison.Ordinal);

            var audit = await db.AdminAuditLogs.AsNoTracking().SingleAsync(a => a.Id == auditId, cancellationToken);
            Assert.True(auditId > 0);
            Assert.Equal(["Backoffice.Reader", "Backoffice.Auditor"], audit.ActorRoles);
            Assert.Equal(System.Net.IPAddress.Parse("127.0.0.1"), audit.ClientIp);
        }
    }

    [Fact]
    public async Task The_model_has_no_changes_missing_from_the_migrations()
    {
        await using var db = database.CreateDbContext();

        Assert.False(db.Database.HasPendingModelChanges(), "Run `dotnet ef migrations add <Name> --project Backoffice.Data`.");
    }

    [Fact]
    public async Task The_schema_is_at_the_latest_migration_of_the_assembly()
    {
        await using var db = database.CreateDbContext();

        var status = await db.Database.GetStatusAsync(TestContext.Current.CancellationToken);

        Assert.Equal(db.Database.GetMigrations().Last(), BoSchema.LatestMigrationId);
        Assert.True(status.IsCurrent, status.Describe());
        Assert.Equal(BoSchema.LatestMigrationId, status.LastApplied);
    }

    private async Task<List<string>> QueryAsync(string sql, params object[] parameters)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static string LedgerRow(
        string txId = "'bad-row'", string walletId = "'w'", string entryType = "'PAYMENT'", string amount = "1",
        string currency = "NULL", string sourceVersion = "NULL") =>
        "INSERT INTO bo.ledger_entries (tx_id, wallet_id, entry_type, amount, currency, source_version, ingested_at, first_ingested_at, payload) "
        + $"VALUES ({txId}, {walletId}, {entryType}, {amount}, {currency}, {sourceVersion}, now(), now(), '{{}}')";

    private static string OrderRow(string orderId = "'bad-order'", string amount = "1") =>
        "INSERT INTO bo.payment_orders (order_id, status, amount, ingested_at, first_ingested_at, payload) "
        + $"VALUES ({orderId}, 'CREATED', {amount}, now(), now(), '{{}}')";

    private static string PairRow(string relatedId = "'bad-pair'", string status = "'INCOMPLETE'", string legCount = "1") =>
        "INSERT INTO bo.payment_ledger_pairs (related_id, related_type, pairing_status, leg_count, first_leg_at, status_changed_at) "
        + $"VALUES ({relatedId}, 'PAYMENT_ORDER', {status}, {legCount}, now(), now())";

    private static string DlqRow(
        string topic = "'bad-dlq'", string status = "'PENDING'", string errorStage = "'VALIDATE'", string attemptCount = "1",
        string sha256 = "sha256('x'::bytea)") =>
        "INSERT INTO bo.consumer_dlq_events (topic, partition, \"offset\", payload, payload_size, payload_sha256, stream, error_code, "
        + "error_stage, error_message, first_failed_at, last_failed_at, attempt_count, status) "
        + $"VALUES ({topic}, 0, 1, 'x'::bytea, 1, {sha256}, 'ledger', 'INVALID_FIELD', {errorStage}, 'bad', now(), now(), {attemptCount}, {status})";

    private static string AuditRow(string statusCode = "200") =>
        "INSERT INTO bo.admin_audit_logs (occurred_at, actor_id, actor_roles, auth_mode, action, route, resource_type, resource_id, "
        + "result, status_code, duration_ms, result_count) "
        + $"VALUES (now(), 'anonymous', '{{}}', 'none', 'GET_TX', '/api/tx/{{txId}}', 'tx', 't', 'FOUND', {statusCode}, 0.5, 1)";
}
