using System.Text;
using System.Threading.Channels;
using Backoffice.Api.Database;
using Backoffice.Data;
using Backoffice.Data.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Backoffice.Api.Audit;

/// <summary>The audit row could not be committed; the lookup must not answer with data.</summary>
public sealed class AuditWriteException(string message, Exception? innerException = null)
    : Exception(message, innerException);

/// <summary>
/// Group commit for <c>bo.admin_audit_logs</c>: callers enqueue their row and await its commit; a
/// single writer loop drains whatever has queued up (up to <see cref="AuditOptions.MaxBatchSize"/>)
/// into one multi-row INSERT, which is one transaction. Under load many lookups share a commit; at
/// rest each row is written at once. A failed batch fails every caller in it, so no caller is told
/// its row is durable when it is not.
/// </summary>
public sealed partial class AuditWriter : BackgroundService
{
    private readonly Channel<PendingRow> _queue;
    private readonly NpgsqlDataSource _dataSource;
    private readonly IDbContextFactory<BoDbContext> _contextFactory;
    private readonly DbMetrics _dbMetrics;
    private readonly AuditOptions _options;
    private readonly ILogger<AuditWriter> _logger;
    private InsertStatement? _statement;

    public AuditWriter(
        NpgsqlDataSource dataSource,
        IDbContextFactory<BoDbContext> contextFactory,
        DbMetrics dbMetrics,
        IOptions<AuditOptions> options,
        ILogger<AuditWriter> logger)
    {
        _dataSource = dataSource;
        _contextFactory = contextFactory;
        _dbMetrics = dbMetrics;
        _options = options.Value;
        _logger = logger;
        _queue = Channel.CreateBounded<PendingRow>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Returns once <paramref name="row"/> is committed.</summary>
    /// <exception cref="AuditWriteException">The row was not committed.</exception>
    public async Task WriteAsync(AdminAuditLog row)
    {
        var pending = new PendingRow(row);
        try
        {
            // Not the request's token: a lookup that ran is audited even if its caller went away.
            await _queue.Writer.WriteAsync(pending);
        }
        catch (ChannelClosedException exception)
        {
            throw new AuditWriteException("The audit writer has stopped.", exception);
        }

        await pending.Committed.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<PendingRow>(_options.MaxBatchSize);
        // Drains until the channel is completed in StopAsync, so rows queued before shutdown are written.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < _options.MaxBatchSize && _queue.Reader.TryRead(out var row))
            {
                batch.Add(row);
            }

            await FlushAsync(batch);
            batch.Clear();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private async Task FlushAsync(List<PendingRow> batch)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_options.WriteTimeout);
            await _dbMetrics.MeasureAsync(DbQueries.InsertAudit, batch, InsertAsync, timeout.Token);
            foreach (var row in batch)
            {
                row.Committed.TrySetResult();
            }
        }
        catch (Exception exception)
        {
            LogBatchFailed(_logger, batch.Count, exception);
            var failure = new AuditWriteException($"The audit batch of {batch.Count} rows was not committed.", exception);
            foreach (var row in batch)
            {
                row.Committed.TrySetException(failure);
            }
        }
    }

    private async Task<int> InsertAsync(List<PendingRow> batch, CancellationToken cancellationToken)
    {
        var statement = _statement ??= InsertStatement.FromModel(_contextFactory);
        await using var command = _dataSource.CreateCommand(statement.Sql(batch.Count));
        foreach (var pending in batch)
        {
            InsertStatement.AddParameters(command.Parameters, pending.Row);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 4300, Level = LogLevel.Error,
        Message = "Audit batch of {Count} rows was not committed; its lookups answer 503")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);

    private sealed record PendingRow(AdminAuditLog Row)
    {
        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// The multi-row INSERT, with table and column names read from the EF model so the mapping
    /// exists once (in Backoffice.Data).
    /// </summary>
    private sealed class InsertStatement
    {
        private static readonly Column[] Columns =
        [
            new(nameof(AdminAuditLog.OccurredAt), NpgsqlDbType.TimestampTz, static r => r.OccurredAt),
            new(nameof(AdminAuditLog.ActorId), NpgsqlDbType.Text, static r => r.ActorId),
            new(nameof(AdminAuditLog.ActorName), NpgsqlDbType.Text, static r => r.ActorName),
            new(nameof(AdminAuditLog.ActorRoles), NpgsqlDbType.Array | NpgsqlDbType.Text, static r => r.ActorRoles),
            new(nameof(AdminAuditLog.AuthMode), NpgsqlDbType.Text, static r => r.AuthMode),
            new(nameof(AdminAuditLog.Action), NpgsqlDbType.Text, static r => r.Action),
            new(nameof(AdminAuditLog.Route), NpgsqlDbType.Text, static r => r.Route),
            new(nameof(AdminAuditLog.ResourceType), NpgsqlDbType.Text, static r => r.ResourceType),
            new(nameof(AdminAuditLog.ResourceId), NpgsqlDbType.Text, static r => r.ResourceId),
            new(nameof(AdminAuditLog.Query), NpgsqlDbType.Jsonb, static r => r.Query),
            new(nameof(AdminAuditLog.Result), NpgsqlDbType.Text, static r => r.Result),
            new(nameof(AdminAuditLog.StatusCode), NpgsqlDbType.Integer, static r => r.StatusCode),
            new(nameof(AdminAuditLog.DurationMs), NpgsqlDbType.Double, static r => r.DurationMs),
            new(nameof(AdminAuditLog.ResultCount), NpgsqlDbType.Integer, static r => r.ResultCount),
            new(nameof(AdminAuditLog.TraceId), NpgsqlDbType.Text, static r => r.TraceId),
            new(nameof(AdminAuditLog.ClientIp), NpgsqlDbType.Inet, static r => r.ClientIp),
            new(nameof(AdminAuditLog.UserAgent), NpgsqlDbType.Text, static r => r.UserAgent),
        ];

        private readonly string _prefix;

        private InsertStatement(string prefix) => _prefix = prefix;

        public static InsertStatement FromModel(IDbContextFactory<BoDbContext> contextFactory)
        {
            using var db = contextFactory.CreateDbContext();
            var model = db.Model;
            var entity = model.FindEntityType(typeof(AdminAuditLog))
                         ?? throw new InvalidOperationException($"{nameof(AdminAuditLog)} is not mapped.");
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            var columns = Columns.Select(column =>
                Quote(entity.FindProperty(column.Property)?.GetColumnName(table)
                      ?? throw new InvalidOperationException($"{nameof(AdminAuditLog)}.{column.Property} is not mapped.")));
            var target = table.Schema is null ? Quote(table.Name) : $"{Quote(table.Schema)}.{Quote(table.Name)}";
            return new InsertStatement($"INSERT INTO {target} ({string.Join(", ", columns)}) VALUES ");
        }

        public string Sql(int rows)
        {
            var sql = new StringBuilder(_prefix, _prefix.Length + (rows * Columns.Length * 6));
            var parameter = 1;
            for (var row = 0; row < rows; row++)
            {
                sql.Append(row == 0 ? "(" : ", (");
                for (var column = 0; column < Columns.Length; column++)
                {
                    sql.Append(column == 0 ? "$" : ", $").Append(parameter++);
                }

                sql.Append(')');
            }

            return sql.ToString();
        }

        public static void AddParameters(NpgsqlParameterCollection parameters, AdminAuditLog row)
        {
            foreach (var column in Columns)
            {
                parameters.Add(new NpgsqlParameter { NpgsqlDbType = column.Type, Value = column.Value(row) ?? DBNull.Value });
            }
        }

        private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

        private sealed record Column(string Property, NpgsqlDbType Type, Func<AdminAuditLog, object?> Value);
    }
}
