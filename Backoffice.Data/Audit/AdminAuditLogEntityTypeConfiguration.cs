using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Backoffice.Data.Audit;

internal sealed class AdminAuditLogEntityTypeConfiguration : IEntityTypeConfiguration<AdminAuditLog>
{
    public void Configure(EntityTypeBuilder<AdminAuditLog> builder)
    {
        builder.ToTable("admin_audit_logs", table =>
        {
            table.HasCheckConstraint("ck_admin_audit_logs_status_code", "status_code BETWEEN 100 AND 599");
            table.HasCheckConstraint("ck_admin_audit_logs_duration_ms", "duration_ms >= 0");
            table.HasCheckConstraint("ck_admin_audit_logs_result_count", "result_count >= 0");
        });

        builder.HasKey(a => a.Id).HasName("pk_admin_audit_logs");
        builder.Property(a => a.Id).UseIdentityByDefaultColumn();

        builder.Property(a => a.OccurredAt).HasColumnType(ColumnTypes.Timestamp);
        builder.Property(a => a.ActorId).HasColumnType(ColumnTypes.Text);
        builder.Property(a => a.ActorName).HasColumnType(ColumnTypes.Text);
        builder.Property(a => a.ActorRoles).HasColumnType(ColumnTypes.TextArray);
        builder.Property(a => a.AuthMode).HasColumnType(ColumnTypes.Text);
        builder.Property(a => a.Action).HasColumnType(ColumnTypes.Text);
        builder.Property(a => a.Route).HasColumnType(ColumnTypes.Text);
        builder.Property(a => a.ResourceType).HasColumnType(ColumnTypes.Text);
        builder.Property(a => a.ResourceId).HasColumnType(ColumnTypes.Text);
        builder.Property(a => a.Query).HasColumnType(ColumnTypes.Json);
        builder.Property(a => a.Result).HasColumnType(ColumnTypes.Text);
        builder.Property(a => a.DurationMs).HasColumnType("double precision");
        builder.Property(a => a.TraceId).HasColumnType(ColumnTypes.Text);
        builder.Property(a => a.ClientIp).HasColumnType(ColumnTypes.IpAddress);
        builder.Property(a => a.UserAgent).HasColumnType(ColumnTypes.Text);

        builder.HasIndex(a => a.OccurredAt)
            .HasDatabaseName("ix_admin_audit_logs_occurred_at");
        builder.HasIndex(a => new { a.ActorId, a.OccurredAt })
            .HasDatabaseName("ix_admin_audit_logs_actor_id_occurred_at");
        builder.HasIndex(a => new { a.ResourceType, a.ResourceId })
            .HasDatabaseName("ix_admin_audit_logs_resource");
    }
}
