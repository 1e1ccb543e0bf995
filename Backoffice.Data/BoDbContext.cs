using Backoffice.Data.Audit;
using Backoffice.Data.Dlq;
using Backoffice.Data.Ledger;
using Backoffice.Data.Orders;
using Backoffice.Data.Pairing;
using Microsoft.EntityFrameworkCore;

namespace Backoffice.Data;

/// <summary>Owns the <c>bo</c> schema and the migrations of all five tables.</summary>
public sealed class BoDbContext(DbContextOptions<BoDbContext> options) : DbContext(options)
{
    public const string Schema = "bo";

    /// <summary>Aspire connection string name of the Backoffice database.</summary>
    public const string ConnectionStringName = "backoffice";

    public DbSet<LedgerEntry> LedgerEntries => Set<LedgerEntry>();
    public DbSet<PaymentOrder> PaymentOrders => Set<PaymentOrder>();
    public DbSet<PaymentLedgerPair> PaymentLedgerPairs => Set<PaymentLedgerPair>();
    public DbSet<AdminAuditLog> AdminAuditLogs => Set<AdminAuditLog>();
    public DbSet<ConsumerDlqEvent> ConsumerDlqEvents => Set<ConsumerDlqEvent>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(BoDbContext).Assembly);
    }
}
