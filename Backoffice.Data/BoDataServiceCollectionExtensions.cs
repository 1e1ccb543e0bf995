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
    /// <param name="applicationName">
    /// What PostgreSQL shows as these connections' <c>application_name</c> (in <c>pg_stat_activity</c>
    /// and, with <c>%a</c> in <c>log_line_prefix</c>, in its log) unless the connection string names
    /// them: without it an operator whose server ran out of connection slots cannot tell which
    /// service holds them.
    /// </param>
    /// <param name="configureDataSource">Extra data source settings, e.g. tracing.</param>
    public static IServiceCollection AddBoDbContext(
        this IServiceCollection services,
        string connectionString,
        string applicationName,
        Action<NpgsqlDataSourceBuilder>? configureDataSource = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(applicationName);
        services.AddNpgsqlDataSource(connectionString, builder =>
        {
            if (string.IsNullOrEmpty(builder.ConnectionStringBuilder.ApplicationName))
            {
                builder.ConnectionStringBuilder.ApplicationName = applicationName;
            }

            configureDataSource?.Invoke(builder);
        });
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
