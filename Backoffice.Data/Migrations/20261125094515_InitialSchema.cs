using System;
using System.Net;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Backoffice.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "bo");

            migrationBuilder.CreateTable(
                name: "admin_audit_logs",
                schema: "bo",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamptz", nullable: false),
                    actor_id = table.Column<string>(type: "text", nullable: false),
                    actor_name = table.Column<string>(type: "text", nullable: true),
                    actor_roles = table.Column<string[]>(type: "text[]", nullable: false),
                    auth_mode = table.Column<string>(type: "text", nullable: false),
                    action = table.Column<string>(type: "text", nullable: false),
                    route = table.Column<string>(type: "text", nullable: false),
                    resource_type = table.Column<string>(type: "text", nullable: false),
                    resource_id = table.Column<string>(type: "text", nullable: false),
                    query = table.Column<string>(type: "jsonb", nullable: true),
                    result = table.Column<string>(type: "text", nullable: false),
                    status_code = table.Column<int>(type: "integer", nullable: false),
                    duration_ms = table.Column<double>(type: "double precision", nullable: false),
                    result_count = table.Column<int>(type: "integer", nullable: false),
                    trace_id = table.Column<string>(type: "text", nullable: true),
                    client_ip = table.Column<IPAddress>(type: "inet", nullable: true),
                    user_agent = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_admin_audit_logs", x => x.id);
                    table.CheckConstraint("ck_admin_audit_logs_duration_ms", "duration_ms >= 0");
                    table.CheckConstraint("ck_admin_audit_logs_result_count", "result_count >= 0");
                    table.CheckConstraint("ck_admin_audit_logs_status_code", "status_code BETWEEN 100 AND 599");
                });

            migrationBuilder.CreateTable(
                name: "consumer_dlq_events",
                schema: "bo",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    topic = table.Column<string>(type: "text", nullable: false),
                    partition = table.Column<int>(type: "integer", nullable: false),
                    offset = table.Column<long>(type: "bigint", nullable: false),
                    message_key = table.Column<byte[]>(type: "bytea", nullable: true),
                    payload = table.Column<byte[]>(type: "bytea", nullable: true),
                    payload_size = table.Column<int>(type: "integer", nullable: false),
                    payload_sha256 = table.Column<byte[]>(type: "bytea", nullable: true),
                    headers = table.Column<string>(type: "jsonb", nullable: true),
                    stream = table.Column<string>(type: "text", nullable: false),
                    error_code = table.Column<string>(type: "text", nullable: false),
                    error_stage = table.Column<string>(type: "text", nullable: false),
                    error_message = table.Column<string>(type: "text", nullable: false),
                    first_failed_at = table.Column<DateTimeOffset>(type: "timestamptz", nullable: false),
                    last_failed_at = table.Column<DateTimeOffset>(type: "timestamptz", nullable: false),
                    attempt_count = table.Column<int>(type: "integer", nullable: false, defaultValue: 1),
                    status = table.Column<string>(type: "text", nullable: false, defaultValue: "PENDING"),
                    replayed_at = table.Column<DateTimeOffset>(type: "timestamptz", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_consumer_dlq_events", x => x.id);
                    table.CheckConstraint("ck_consumer_dlq_events_attempt_count", "attempt_count >= 1");
                    table.CheckConstraint("ck_consumer_dlq_events_error_stage", "error_stage IN ('DESERIALIZE', 'VALIDATE', 'WRITE')");
                    table.CheckConstraint("ck_consumer_dlq_events_offset", "\"offset\" >= 0");
                    table.CheckConstraint("ck_consumer_dlq_events_partition", "\"partition\" >= 0");
                    table.CheckConstraint("ck_consumer_dlq_events_payload_length", "octet_length(payload) <= 1048576");
                    table.CheckConstraint("ck_consumer_dlq_events_payload_sha256", "octet_length(payload_sha256) = 32");
                    table.CheckConstraint("ck_consumer_dlq_events_payload_size", "payload_size >= 0");
                    table.CheckConstraint("ck_consumer_dlq_events_status", "status IN ('PENDING', 'REPLAYED', 'DISCARDED')");
                });

            migrationBuilder.CreateTable(
                name: "ledger_entries",
                schema: "bo",
                columns: table => new
                {
                    tx_id = table.Column<string>(type: "text", nullable: false),
                    wallet_id = table.Column<string>(type: "text", nullable: false),
                    entry_type = table.Column<string>(type: "text", nullable: false),
                    amount = table.Column<decimal>(type: "numeric(26,8)", nullable: false),
                    currency = table.Column<string>(type: "char(3)", nullable: true),
                    related_id = table.Column<string>(type: "text", nullable: true),
                    related_type = table.Column<string>(type: "text", nullable: true),
                    status = table.Column<string>(type: "text", nullable: true),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamptz", nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamptz", nullable: true),
                    source_version = table.Column<long>(type: "bigint", nullable: true),
                    ingested_at = table.Column<DateTimeOffset>(type: "timestamptz", nullable: false),
                    first_ingested_at = table.Column<DateTimeOffset>(type: "timestamptz", nullable: false),
                    event_id = table.Column<string>(type: "text", nullable: true),
                    source_topic = table.Column<string>(type: "text", nullable: true),
                    source_partition = table.Column<int>(type: "integer", nullable: true),
                    source_offset = table.Column<long>(type: "bigint", nullable: true),
                    payload = table.Column<string>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_ledger_entries", x => x.tx_id);
                    table.CheckConstraint("ck_ledger_entries_amount", "amount >= 0");
                    table.CheckConstraint("ck_ledger_entries_currency", "currency ~ '^[A-Z]{3}$'");
                    table.CheckConstraint("ck_ledger_entries_entry_type", "entry_type IN ('PAYMENT', 'RECEIVE')");
                    table.CheckConstraint("ck_ledger_entries_related_id_length", "char_length(related_id) BETWEEN 1 AND 128");
                    table.CheckConstraint("ck_ledger_entries_source_version", "source_version >= 0");
                    table.CheckConstraint("ck_ledger_entries_tx_id_length", "char_length(tx_id) BETWEEN 1 AND 128");
                    table.CheckConstraint("ck_ledger_entries_wallet_id_length", "char_length(wallet_id) BETWEEN 1 AND 128");
                });

            migrationBuilder.CreateTable(
                name: "payment_ledger_pairs",
                schema: "bo",
                columns: table => new
                {
                    related_id = table.Column<string>(type: "text", nullable: false),
                    related_type = table.Column<string>(type: "text", nullable: false),
                    pairing_status = table.Column<string>(type: "text", nullable: false),
                    pairing_reason = table.Column<string>(type: "text", nullable: true),
                    payment_tx_id = table.Column<string>(type: "text", nullable: true),
                    receive_tx_id = table.Column<string>(type: "text", nullable: true),
                    payment_amount = table.Column<decimal>(type: "numeric(26,8)", nullable: true),
                    receive_amount = table.Column<decimal>(type: "numeric(26,8)", nullable: true),
                    currency = table.Column<string>(type: "char(3)", nullable: true),
                    leg_count = table.Column<int>(type: "integer", nullable: false),
                    first_leg_at = table.Column<DateTimeOffset>(type: "timestamptz", nullable: false),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamptz", nullable: true),
                    status_changed_at = table.Column<DateTimeOffset>(type: "timestamptz", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_payment_ledger_pairs", x => x.related_id);
                    table.CheckConstraint("ck_payment_ledger_pairs_currency", "currency ~ '^[A-Z]{3}$'");
                    table.CheckConstraint("ck_payment_ledger_pairs_leg_count", "leg_count >= 0");
                    table.CheckConstraint("ck_payment_ledger_pairs_pairing_status", "pairing_status IN ('COMPLETE', 'INCOMPLETE', 'UNKNOWN')");
                    table.CheckConstraint("ck_payment_ledger_pairs_payment_amount", "payment_amount >= 0");
                    table.CheckConstraint("ck_payment_ledger_pairs_receive_amount", "receive_amount >= 0");
                    table.CheckConstraint("ck_payment_ledger_pairs_related_id_length", "char_length(related_id) BETWEEN 1 AND 128");
                });

            migrationBuilder.CreateTable(
                name: "payment_orders",
                schema: "bo",
                columns: table => new
                {
                    order_id = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    amount = table.Column<decimal>(type: "numeric(26,8)", nullable: true),
                    currency = table.Column<string>(type: "char(3)", nullable: true),
                    payer_wallet_id = table.Column<string>(type: "text", nullable: true),
                    payee_wallet_id = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamptz", nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamptz", nullable: true),
                    source_version = table.Column<long>(type: "bigint", nullable: true),
                    ingested_at = table.Column<DateTimeOffset>(type: "timestamptz", nullable: false),
                    first_ingested_at = table.Column<DateTimeOffset>(type: "timestamptz", nullable: false),
                    event_id = table.Column<string>(type: "text", nullable: true),
                    source_topic = table.Column<string>(type: "text", nullable: true),
                    source_partition = table.Column<int>(type: "integer", nullable: true),
                    source_offset = table.Column<long>(type: "bigint", nullable: true),
                    payload = table.Column<string>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_payment_orders", x => x.order_id);
                    table.CheckConstraint("ck_payment_orders_amount", "amount >= 0");
                    table.CheckConstraint("ck_payment_orders_currency", "currency ~ '^[A-Z]{3}$'");
                    table.CheckConstraint("ck_payment_orders_order_id_length", "char_length(order_id) BETWEEN 1 AND 128");
                    table.CheckConstraint("ck_payment_orders_source_version", "source_version >= 0");
                });

            migrationBuilder.CreateIndex(
                name: "ix_admin_audit_logs_actor_id_occurred_at",
                schema: "bo",
                table: "admin_audit_logs",
                columns: new[] { "actor_id", "occurred_at" });

            migrationBuilder.CreateIndex(
                name: "ix_admin_audit_logs_occurred_at",
                schema: "bo",
                table: "admin_audit_logs",
                column: "occurred_at");

            migrationBuilder.CreateIndex(
                name: "ix_admin_audit_logs_resource",
                schema: "bo",
                table: "admin_audit_logs",
                columns: new[] { "resource_type", "resource_id" });

            migrationBuilder.CreateIndex(
                name: "ix_consumer_dlq_events_status_first_failed_at",
                schema: "bo",
                table: "consumer_dlq_events",
                columns: new[] { "status", "first_failed_at" });

            migrationBuilder.CreateIndex(
                name: "ux_consumer_dlq_events_position",
                schema: "bo",
                table: "consumer_dlq_events",
                columns: new[] { "topic", "partition", "offset" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_ledger_entries_related_id",
                schema: "bo",
                table: "ledger_entries",
                column: "related_id");

            migrationBuilder.CreateIndex(
                name: "ix_ledger_entries_wallet_listing",
                schema: "bo",
                table: "ledger_entries",
                columns: new[] { "wallet_id", "occurred_at", "tx_id" },
                descending: new[] { false, true, true });

            migrationBuilder.CreateIndex(
                name: "ix_payment_ledger_pairs_open_first_leg_at",
                schema: "bo",
                table: "payment_ledger_pairs",
                column: "first_leg_at",
                filter: "pairing_status <> 'COMPLETE'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "admin_audit_logs",
                schema: "bo");

            migrationBuilder.DropTable(
                name: "consumer_dlq_events",
                schema: "bo");

            migrationBuilder.DropTable(
                name: "ledger_entries",
                schema: "bo");

            migrationBuilder.DropTable(
                name: "payment_ledger_pairs",
                schema: "bo");

            migrationBuilder.DropTable(
                name: "payment_orders",
                schema: "bo");
        }
    }
}
