using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Backoffice.Data;

public static class BoDataServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="NpgsqlDataSource"/> for the Backoffice database (also available to
    /// raw SQL such as COPY and upserts), a pooled <see cref="IDbContextFactory{BoDbContext}"/> for
    /// long-lived services, and a scoped <see cref="BoDbContext"/> leased from the same pool.
    /// </summary>
    /// <param name="configureDataSource">Extra data source settings, e.g. tracing.</param>
    public static IServiceCollection AddBoDbContext(
        this IServiceCollection services,
        string connectionString,
        Action<NpgsqlDataSourceBuilder>? configureDataSource = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        services.AddNpgsqlDataSource(connectionString, builder => configureDataSource?.Invoke(builder));
        return services.AddBoDbContextPool();
    }

    /// <summary>Same as the connection-string overload, with a data source the caller owns and disposes.</summary>
    public static IServiceCollection AddBoDbContext(this IServiceCollection services, NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        services.AddSingleton(dataSource);
        return services.AddBoDbContextPool();
    }

    private static IServiceCollection AddBoDbContextPool(this IServiceCollection services)
    {
        services.AddPooledDbContextFactory<BoDbContext>((provider, options) =>
            options.UseBoPostgres(provider.GetRequiredService<NpgsqlDataSource>()));
        services.AddScoped(provider => provider.GetRequiredService<IDbContextFactory<BoDbContext>>().CreateDbContext());
        return services;
    }
}
