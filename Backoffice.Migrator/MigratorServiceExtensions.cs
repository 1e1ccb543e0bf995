using Backoffice.Data;

namespace Backoffice.Migrator;

internal static class MigratorServiceExtensions
{
    /// <summary>The migrator's connections' <c>application_name</c>, unless its connection string sets one.</summary>
    public const string DatabaseApplicationName = "backoffice-migrator";

    // `script` needs the model, not a server: any well-formed connection string will do.
    private const string OfflineConnectionString = "Host=127.0.0.1;Database=backoffice;Username=postgres";

    public static IHostApplicationBuilder AddMigrator(this IHostApplicationBuilder builder, MigratorCommand command)
    {
        builder.Services.AddOptions<MigratorOptions>()
            .BindConfiguration(MigratorOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        var connectionString = builder.Configuration.GetConnectionString(BoDbContext.ConnectionStringName);
        if (command == MigratorCommand.Script)
        {
            // The script is the output: keep every log line off stdout.
            builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
            connectionString ??= OfflineConnectionString;
        }

        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            builder.Services.AddBoDbContext(connectionString, DatabaseApplicationName);
            builder.Services.AddSingleton(new MigrationTarget(connectionString));
        }

        if (builder.IsOtlpExporterConfigured())
        {
            // Spans only where they are exported, as ServiceDefaults registers tracing.
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource("Npgsql"));
        }
        builder.Services.AddSingleton<MigrationRunner>();
        return builder;
    }
}

/// <summary>The configured connection string, password included (a data source hides it once built).</summary>
internal sealed record MigrationTarget(string ConnectionString);
