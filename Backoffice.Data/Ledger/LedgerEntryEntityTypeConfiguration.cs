using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Backoffice.Data.Ledger;

internal sealed class LedgerEntryEntityTypeConfiguration : IEntityTypeConfiguration<LedgerEntry>
{
    public void Configure(EntityTypeBuilder<LedgerEntry> builder)
    {
        builder.ToTable("ledger_entries", table =>
        {
            table.HasCheckConstraint("ck_ledger_entries_tx_id_length", ColumnTypes.IdLengthCheck("tx_id"));
            table.HasCheckConstraint("ck_ledger_entries_wallet_id_length", ColumnTypes.IdLengthCheck("wallet_id"));
            table.HasCheckConstraint("ck_ledger_entries_related_id_length", ColumnTypes.IdLengthCheck("related_id"));
            table.HasCheckConstraint(
                "ck_ledger_entries_entry_type",
                ColumnTypes.InCheck("entry_type", EntryTypes.Payment, EntryTypes.Receive));
            table.HasCheckConstraint("ck_ledger_entries_amount", "amount >= 0");
            table.HasCheckConstraint("ck_ledger_entries_currency", ColumnTypes.CurrencyCheck("currency"));
            table.HasCheckConstraint("ck_ledger_entries_source_version", "source_version >= 0");
        });

        builder.HasKey(e => e.TxId).HasName("pk_ledger_entries");

        builder.Property(e => e.TxId).HasColumnType(ColumnTypes.Text);
        builder.Property(e => e.WalletId).HasColumnType(ColumnTypes.Text);
        builder.Property(e => e.EntryType).HasColumnType(ColumnTypes.Text);
        builder.Property(e => e.Amount).HasColumnType(ColumnTypes.Amount);
        builder.Property(e => e.Currency).HasColumnType(ColumnTypes.Currency);
        builder.Property(e => e.RelatedId).HasColumnType(ColumnTypes.Text);
        builder.Property(e => e.RelatedType).HasColumnType(ColumnTypes.Text);
        builder.Property(e => e.Status).HasColumnType(ColumnTypes.Text);
        builder.Property(e => e.OccurredAt).HasColumnType(ColumnTypes.Timestamp);
        builder.Property(e => e.UpdatedAt).HasColumnType(ColumnTypes.Timestamp);
        builder.Property(e => e.IngestedAt).HasColumnType(ColumnTypes.Timestamp);
        builder.Property(e => e.FirstIngestedAt).HasColumnType(ColumnTypes.Timestamp);
        builder.Property(e => e.EventId).HasColumnType(ColumnTypes.Text);
        builder.Property(e => e.SourceTopic).HasColumnType(ColumnTypes.Text);
        builder.Property(e => e.Payload).HasColumnType(ColumnTypes.Json);

        // The admin wallet listing pages newest first with tx_id as the tie-breaker (keyset pagination).
        builder.HasIndex(e => new { e.WalletId, e.OccurredAt, e.TxId })
            .HasDatabaseName("ix_ledger_entries_wallet_listing")
            .IsDescending(false, true, true);
        // Pairing recomputation and the "legs of this order" lookup.
        builder.HasIndex(e => e.RelatedId)
            .HasDatabaseName("ix_ledger_entries_related_id");
    }
}
