using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Backoffice.Data;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build the model without starting an application. Generating
/// migrations never connects; commands that do (<c>database update</c>) read
/// <c>ConnectionStrings__backoffice</c> like the migrator.
/// </summary>
internal sealed class BoDbContextDesignTimeFactory : IDesignTimeDbContextFactory<BoDbContext>
{
    private const string PlaceholderConnectionString = "Host=127.0.0.1;Port=5432;Database=backoffice;Username=postgres";

    public BoDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable($"ConnectionStrings__{BoDbContext.ConnectionStringName}");
        var options = new DbContextOptionsBuilder<BoDbContext>();
        options.UseBoPostgres(string.IsNullOrWhiteSpace(connectionString) ? PlaceholderConnectionString : connectionString);
        return new BoDbContext(options.Options);
    }
}
