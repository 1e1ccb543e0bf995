using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Backoffice.Data.Pairing;

internal sealed class PaymentLedgerPairEntityTypeConfiguration : IEntityTypeConfiguration<PaymentLedgerPair>
{
    public void Configure(EntityTypeBuilder<PaymentLedgerPair> builder)
    {
        builder.ToTable("payment_ledger_pairs", table =>
        {
            table.HasCheckConstraint("ck_payment_ledger_pairs_related_id_length", ColumnTypes.IdLengthCheck("related_id"));
            table.HasCheckConstraint(
                "ck_payment_ledger_pairs_pairing_status",
                ColumnTypes.InCheck(
                    "pairing_status",
                    PairingStatuses.Complete,
                    PairingStatuses.Incomplete,
                    PairingStatuses.Unknown));
            table.HasCheckConstraint("ck_payment_ledger_pairs_payment_amount", "payment_amount >= 0");
            table.HasCheckConstraint("ck_payment_ledger_pairs_receive_amount", "receive_amount >= 0");
            table.HasCheckConstraint("ck_payment_ledger_pairs_currency", ColumnTypes.CurrencyCheck("currency"));
            table.HasCheckConstraint("ck_payment_ledger_pairs_leg_count", "leg_count >= 0");
        });

        builder.HasKey(p => p.RelatedId).HasName("pk_payment_ledger_pairs");

        builder.Property(p => p.RelatedId).HasColumnType(ColumnTypes.Text);
        builder.Property(p => p.RelatedType).HasColumnType(ColumnTypes.Text);
        builder.Property(p => p.PairingStatus).HasColumnType(ColumnTypes.Text);
        builder.Property(p => p.PairingReason).HasColumnType(ColumnTypes.Text);
        builder.Property(p => p.PaymentTxId).HasColumnType(ColumnTypes.Text);
        builder.Property(p => p.ReceiveTxId).HasColumnType(ColumnTypes.Text);
        builder.Property(p => p.PaymentAmount).HasColumnType(ColumnTypes.Amount);
        builder.Property(p => p.ReceiveAmount).HasColumnType(ColumnTypes.Amount);
        builder.Property(p => p.Currency).HasColumnType(ColumnTypes.Currency);
        builder.Property(p => p.FirstLegAt).HasColumnType(ColumnTypes.Timestamp);
        builder.Property(p => p.CompletedAt).HasColumnType(ColumnTypes.Timestamp);
        builder.Property(p => p.StatusChangedAt).HasColumnType(ColumnTypes.Timestamp);

        // Stale-pair detection scans only the pairs still waiting; completed pairs are the bulk and stay out.
        builder.HasIndex(p => p.FirstLegAt)
            .HasDatabaseName("ix_payment_ledger_pairs_open_first_leg_at")
            .HasFilter($"pairing_status <> '{PairingStatuses.Complete}'");
    }
}
