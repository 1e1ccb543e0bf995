using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Backoffice.Data.Dlq;

internal sealed class ConsumerDlqEventEntityTypeConfiguration : IEntityTypeConfiguration<ConsumerDlqEvent>
{
    /// <summary>SHA-256 digests are 32 bytes.</summary>
    private const int Sha256Length = 32;

    public void Configure(EntityTypeBuilder<ConsumerDlqEvent> builder)
    {
        builder.ToTable("consumer_dlq_events", table =>
        {
            table.HasCheckConstraint("ck_consumer_dlq_events_partition", "\"partition\" >= 0");
            table.HasCheckConstraint("ck_consumer_dlq_events_offset", "\"offset\" >= 0");
            table.HasCheckConstraint(
                "ck_consumer_dlq_events_payload_length",
                $"octet_length(payload) <= {DlqLimits.MaxStoredPayloadBytes}");
            table.HasCheckConstraint("ck_consumer_dlq_events_payload_size", "payload_size >= 0");
            table.HasCheckConstraint(
                "ck_consumer_dlq_events_payload_sha256",
                $"octet_length(payload_sha256) = {Sha256Length}");
            table.HasCheckConstraint(
                "ck_consumer_dlq_events_error_stage",
                ColumnTypes.InCheck("error_stage", DlqErrorStages.Deserialize, DlqErrorStages.Validate, DlqErrorStages.Write));
            table.HasCheckConstraint("ck_consumer_dlq_events_attempt_count", "attempt_count >= 1");
            table.HasCheckConstraint(
                "ck_consumer_dlq_events_status",
                ColumnTypes.InCheck("status", DlqStatuses.Pending, DlqStatuses.Replayed, DlqStatuses.Discarded));
        });

        builder.HasKey(d => d.Id).HasName("pk_consumer_dlq_events");
        builder.Property(d => d.Id).UseIdentityByDefaultColumn();

        builder.Property(d => d.Topic).HasColumnType(ColumnTypes.Text);
        builder.Property(d => d.MessageKey).HasColumnType(ColumnTypes.Bytes);
        builder.Property(d => d.Payload).HasColumnType(ColumnTypes.Bytes);
        builder.Property(d => d.PayloadSha256).HasColumnType(ColumnTypes.Bytes);
        builder.Property(d => d.Headers).HasColumnType(ColumnTypes.Json);
        builder.Property(d => d.Stream).HasColumnType(ColumnTypes.Text);
        builder.Property(d => d.ErrorCode).HasColumnType(ColumnTypes.Text);
        builder.Property(d => d.ErrorStage).HasColumnType(ColumnTypes.Text);
        builder.Property(d => d.ErrorMessage).HasColumnType(ColumnTypes.Text);
        builder.Property(d => d.FirstFailedAt).HasColumnType(ColumnTypes.Timestamp);
        builder.Property(d => d.LastFailedAt).HasColumnType(ColumnTypes.Timestamp);
        // A raw INSERT of a first failure needs neither; the consumer's ON CONFLICT path increments.
        builder.Property(d => d.AttemptCount).HasDefaultValue(1);
        builder.Property(d => d.Status).HasColumnType(ColumnTypes.Text).HasDefaultValue(DlqStatuses.Pending);
        builder.Property(d => d.ReplayedAt).HasColumnType(ColumnTypes.Timestamp);

        // Redelivery of a bad message must bump attempt_count, never add a second row (spec §6).
        builder.HasIndex(d => new { d.Topic, d.Partition, d.Offset })
            .HasDatabaseName("ux_consumer_dlq_events_position")
            .IsUnique();
        // The operator's queue: pending rows, oldest first.
        builder.HasIndex(d => new { d.Status, d.FirstFailedAt })
            .HasDatabaseName("ix_consumer_dlq_events_status_first_failed_at");
    }
}
