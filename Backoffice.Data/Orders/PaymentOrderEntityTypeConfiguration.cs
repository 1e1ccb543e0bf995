using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Backoffice.Data.Orders;

internal sealed class PaymentOrderEntityTypeConfiguration : IEntityTypeConfiguration<PaymentOrder>
{
    public void Configure(EntityTypeBuilder<PaymentOrder> builder)
    {
        builder.ToTable("payment_orders", table =>
        {
            table.HasCheckConstraint("ck_payment_orders_order_id_length", ColumnTypes.IdLengthCheck("order_id"));
            table.HasCheckConstraint("ck_payment_orders_amount", "amount >= 0");
            table.HasCheckConstraint("ck_payment_orders_currency", ColumnTypes.CurrencyCheck("currency"));
            table.HasCheckConstraint("ck_payment_orders_source_version", "source_version >= 0");
        });

        builder.HasKey(o => o.OrderId).HasName("pk_payment_orders");

        builder.Property(o => o.OrderId).HasColumnType(ColumnTypes.Text);
        builder.Property(o => o.Status).HasColumnType(ColumnTypes.Text);
        builder.Property(o => o.Amount).HasColumnType(ColumnTypes.Amount);
        builder.Property(o => o.Currency).HasColumnType(ColumnTypes.Currency);
        builder.Property(o => o.PayerWalletId).HasColumnType(ColumnTypes.Text);
        builder.Property(o => o.PayeeWalletId).HasColumnType(ColumnTypes.Text);
        builder.Property(o => o.CreatedAt).HasColumnType(ColumnTypes.Timestamp);
        builder.Property(o => o.UpdatedAt).HasColumnType(ColumnTypes.Timestamp);
        builder.Property(o => o.IngestedAt).HasColumnType(ColumnTypes.Timestamp);
        builder.Property(o => o.FirstIngestedAt).HasColumnType(ColumnTypes.Timestamp);
        builder.Property(o => o.EventId).HasColumnType(ColumnTypes.Text);
        builder.Property(o => o.SourceTopic).HasColumnType(ColumnTypes.Text);
        builder.Property(o => o.Payload).HasColumnType(ColumnTypes.Json);
    }
}
