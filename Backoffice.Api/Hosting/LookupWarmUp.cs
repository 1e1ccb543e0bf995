using System.Diagnostics;
using Backoffice.Api.Database;
using Backoffice.Api.Lookups;
using Backoffice.Data;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Backoffice.Api.Hosting;

/// <summary>
/// Does before the server starts listening what the first requests would otherwise do while callers
/// wait: EF builds its model and compiles each lookup's query, the pool opens its first connections,
/// and (oidc) the issuer's signing keys are fetched. Without it, the first second at a few hundred
/// lookups per second queued hundreds of requests behind one another's compilations
/// (docs/reliability.md, soak). Best effort within <see cref="DatabaseOptions.WarmUpTimeout"/>: a
/// database or issuer that is down delays start-up by at most that long, and readiness still
/// reports the database's state.
/// </summary>
internal sealed partial class LookupWarmUp(
    IDbContextFactory<BoDbContext> contexts,
    NpgsqlDataSource dataSource,
    WalletCursorCodec cursors,
    IOptions<DatabaseOptions> options,
    IOptionsMonitor<JwtBearerOptions> bearer,
    ILogger<LookupWarmUp> logger) : IHostedService
{
    /// <summary>Looked up by the warm-up; no id is refused, and none is expected to exist.</summary>
    public const string ProbeId = "backoffice-api-warm-up";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(options.Value.WarmUpTimeout);
        var database = WarmUpDatabaseAsync(budget.Token);
        var signingKeys = WarmUpSigningKeysAsync(budget.Token);
        try
        {
            // WaitAsync: the metadata fetch does not stop at our token (it is shared by every caller).
            await Task.WhenAll(database, signingKeys).WaitAsync(budget.Token);
            var elapsed = Stopwatch.GetElapsedTime(started);
            LogWarmedUp(elapsed);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Each part is reported on its own: one failing must not hide the other's result.
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (database.Exception?.GetBaseException() is { } databaseFailure)
            {
                LogDatabaseWarmUpFailed(databaseFailure, elapsed);
            }

            if (signingKeys.Exception?.GetBaseException() is { } keysFailure)
            {
                LogSigningKeysWarmUpFailed(keysFailure, elapsed);
            }

            if (budget.IsCancellationRequested)
            {
                LogWarmUpTimedOut(options.Value.WarmUpTimeout);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task WarmUpDatabaseAsync(CancellationToken cancellationToken)
    {
        var opening = Enumerable.Range(0, options.Value.WarmUpConnections)
            .Select(_ => dataSource.OpenConnectionAsync(cancellationToken).AsTask())
            .ToList();
        try
        {
            await Task.WhenAll(opening);
        }
        finally
        {
            // Back to the pool, open: the first requests find them ready.
            foreach (var connection in opening.Where(o => o.IsCompletedSuccessfully).Select(o => o.Result))
            {
                await connection.DisposeAsync();
            }
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await TransactionLookups.WarmUpAsync(db, cancellationToken);
        await PaymentOrderEndpoints.WarmUpAsync(db, cancellationToken);
        await WalletEndpoints.WarmUpAsync(db, cursors, cancellationToken);
    }

    private async Task WarmUpSigningKeysAsync(CancellationToken cancellationToken)
    {
        // Null unless a bearer scheme with an authority or metadata address is configured (oidc mode).
        if (bearer.Get(JwtBearerDefaults.AuthenticationScheme).ConfigurationManager is { } configuration)
        {
            await configuration.GetConfigurationAsync(cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Lookups warmed up in {Elapsed}")]
    private partial void LogWarmedUp(TimeSpan elapsed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not warm up the lookups' database access after {Elapsed}; the first requests will pay for it")]
    private partial void LogDatabaseWarmUpFailed(Exception exception, TimeSpan elapsed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch the token issuer's signing keys after {Elapsed}; the first authenticated request will try again")]
    private partial void LogSigningKeysWarmUpFailed(Exception exception, TimeSpan elapsed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The start-up warm-up did not finish within {Timeout} (Database:WarmUpTimeout); starting without it")]
    private partial void LogWarmUpTimedOut(TimeSpan timeout);
}
