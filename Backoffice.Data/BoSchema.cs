using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Backoffice.Data;

/// <summary>
/// What "the schema is current" means: every migration this build knows is applied and the last one
/// applied is <see cref="LatestMigrationId"/>. The API and the consumer report unready otherwise,
/// because they never migrate on their own (the migrator does).
/// </summary>
public static class BoSchema
{
    /// <summary>The id of the newest migration compiled into this assembly, e.g. <c>20261125120000_InitialSchema</c>.</summary>
    public static string LatestMigrationId { get; } = FindLatestMigrationId();

    public static async Task<BoSchemaStatus> GetStatusAsync(this DatabaseFacade database, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        var applied = (await database.GetAppliedMigrationsAsync(cancellationToken)).ToList();
        var appliedSet = applied.ToHashSet(StringComparer.Ordinal);
        var pending = database.GetMigrations().Where(id => !appliedSet.Contains(id)).ToList();
        return new BoSchemaStatus(applied, pending, LatestMigrationId);
    }

    private static string FindLatestMigrationId() =>
        typeof(BoDbContext).Assembly.GetTypes()
            .Where(type => type.IsSubclassOf(typeof(Migration))
                && type.GetCustomAttribute<DbContextAttribute>()?.ContextType == typeof(BoDbContext))
            .Select(type => type.GetCustomAttribute<MigrationAttribute>()?.Id)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .LastOrDefault()
            ?? throw new InvalidOperationException("Backoffice.Data contains no migration for BoDbContext.");
}

/// <param name="Applied">Migration ids recorded in the database's history table, oldest first.</param>
/// <param name="Pending">Migration ids this build has and the database has not applied.</param>
/// <param name="Expected">The newest migration id this build knows.</param>
public sealed record BoSchemaStatus(IReadOnlyList<string> Applied, IReadOnlyList<string> Pending, string Expected)
{
    public string? LastApplied => Applied.Count == 0 ? null : Applied[^1];

    public bool IsCurrent => Pending.Count == 0 && string.Equals(LastApplied, Expected, StringComparison.Ordinal);

    public string Describe() => IsCurrent
        ? $"Schema is at {Expected}."
        : Pending.Count > 0
            ? $"Schema is behind: {Pending.Count} pending migration(s): {string.Join(", ", Pending)}."
            : $"Schema is at {LastApplied ?? "(none)"}, expected {Expected}: the database was migrated by a newer build.";
}
