using System.Net;
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

        await pending.Task;
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
                row.TrySetResult();
            }
        }
        catch (Exception exception)
        {
            LogBatchFailed(_logger, batch.Count, exception);
            var failure = new AuditWriteException($"The audit batch of {batch.Count} rows was not committed.", exception);
            foreach (var row in batch)
            {
                row.TrySetException(failure);
            }
        }
    }

    private async Task<int> InsertAsync(List<PendingRow> batch, CancellationToken cancellationToken)
    {
        var statement = _statement ??= InsertStatement.FromModel(_contextFactory, _options.MaxBatchSize);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await statement.ExecuteAsync(connection, batch, cancellationToken);
    }

    [LoggerMessage(EventId = 4300, Level = LogLevel.Error,
        Message = "Audit batch of {Count} rows was not committed; its lookups answer 503")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);

    /// <summary>A queued row and its commit, one object per lookup.</summary>
    private sealed class PendingRow(AdminAuditLog row) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public AdminAuditLog Row { get; } = row;
    }

    /// <summary>
    /// The multi-row INSERT, with table and column names read from the EF model so the mapping
    /// exists once (in Backoffice.Data). Only the writer loop uses it, one batch at a time, so it
    /// keeps one command and one set of typed parameters per row position across batches: a row
    /// costs no new parameter objects, no boxed values and no type resolution by Npgsql (a typed
    /// parameter keeps its resolved type while only its value changes), and the SQL text of the
    /// usual small batch sizes is built once.
    /// </summary>
    private sealed class InsertStatement
    {
        /// <summary>Batch sizes whose SQL text is kept (17 placeholders a row; larger batches are rare and build theirs).</summary>
        private const int CachedSqlRows = 64;

        private static readonly string[] Properties =
        [
            nameof(AdminAuditLog.OccurredAt), nameof(AdminAuditLog.ActorId), nameof(AdminAuditLog.ActorName),
            nameof(AdminAuditLog.ActorRoles), nameof(AdminAuditLog.AuthMode), nameof(AdminAuditLog.Action),
            nameof(AdminAuditLog.Route), nameof(AdminAuditLog.ResourceType), nameof(AdminAuditLog.ResourceId),
            nameof(AdminAuditLog.Query), nameof(AdminAuditLog.Result), nameof(AdminAuditLog.StatusCode),
            nameof(AdminAuditLog.DurationMs), nameof(AdminAuditLog.ResultCount), nameof(AdminAuditLog.TraceId),
            nameof(AdminAuditLog.ClientIp), nameof(AdminAuditLog.UserAgent),
        ];

        private readonly string _prefix;
        private readonly string?[] _sql;
        private readonly List<RowParameters> _rows = [];
        private NpgsqlCommand? _command;

        private InsertStatement(string prefix, int maxBatchSize)
        {
            _prefix = prefix;
            _sql = new string?[Math.Min(maxBatchSize, CachedSqlRows) + 1];
        }

        public static InsertStatement FromModel(IDbContextFactory<BoDbContext> contextFactory, int maxBatchSize)
        {
            using var db = contextFactory.CreateDbContext();
            var model = db.Model;
            var entity = model.FindEntityType(typeof(AdminAuditLog))
                         ?? throw new InvalidOperationException($"{nameof(AdminAuditLog)} is not mapped.");
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            var columns = Properties.Select(property =>
                Quote(entity.FindProperty(property)?.GetColumnName(table)
                      ?? throw new InvalidOperationException($"{nameof(AdminAuditLog)}.{property} is not mapped.")));
            var target = table.Schema is null ? Quote(table.Name) : $"{Quote(table.Schema)}.{Quote(table.Name)}";
            return new InsertStatement($"INSERT INTO {target} ({string.Join(", ", columns)}) VALUES ", maxBatchSize);
        }

        public async Task<int> ExecuteAsync(NpgsqlConnection connection, List<PendingRow> batch, CancellationToken cancellationToken)
        {
            var command = _command ??= new NpgsqlCommand();
            command.Connection = connection;
            command.CommandText = Sql(batch.Count);
            var parameters = command.Parameters;
            parameters.Clear();
            for (var i = 0; i < batch.Count; i++)
            {
                if (i == _rows.Count)
                {
                    _rows.Add(new RowParameters());
                }

                _rows[i].Bind(batch[i].Row, parameters);
            }

            try
            {
                return await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch
            {
                // After a failure (a timeout cancels mid-command) nothing of this command is trusted again.
                _command = null;
                _rows.Clear();
                throw;
            }
            finally
            {
                // The rows' values (user agents, ids) are not kept alive until the next batch of this size.
                for (var i = 0; i < batch.Count && i < _rows.Count; i++)
                {
                    _rows[i].Release();
                }
            }
        }

        public string Sql(int rows)
        {
            if (rows < _sql.Length)
            {
                return _sql[rows] ??= Build(rows);
            }

            return Build(rows);
        }

        private string Build(int rows)
        {
            var sql = new StringBuilder(_prefix, _prefix.Length + (rows * Properties.Length * 6));
            var parameter = 1;
            for (var row = 0; row < rows; row++)
            {
                sql.Append(row == 0 ? "(" : ", (");
                for (var column = 0; column < Properties.Length; column++)
                {
                    sql.Append(column == 0 ? "$" : ", $").Append(parameter++);
                }

                sql.Append(')');
            }

            return sql.ToString();
        }

        private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

        /// <summary>One row's 17 positional parameters, in the order of <see cref="Properties"/>.</summary>
        private sealed class RowParameters
        {
            private readonly NpgsqlParameter<DateTimeOffset> _occurredAt = new() { NpgsqlDbType = NpgsqlDbType.TimestampTz };
            private readonly NpgsqlParameter<string> _actorId = Text();
            private readonly NpgsqlParameter<string> _actorName = Text();
            private readonly NpgsqlParameter<string[]> _actorRoles = new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };
            private readonly NpgsqlParameter<string> _authMode = Text();
            private readonly NpgsqlParameter<string> _action = Text();
            private readonly NpgsqlParameter<string> _route = Text();
            private readonly NpgsqlParameter<string> _resourceType = Text();
            private readonly NpgsqlParameter<string> _resourceId = Text();
            private readonly NpgsqlParameter<string> _query = new() { NpgsqlDbType = NpgsqlDbType.Jsonb };
            private readonly NpgsqlParameter<string> _result = Text();
            private readonly NpgsqlParameter<int> _statusCode = new() { NpgsqlDbType = NpgsqlDbType.Integer };
            private readonly NpgsqlParameter<double> _durationMs = new() { NpgsqlDbType = NpgsqlDbType.Double };
            private readonly NpgsqlParameter<int> _resultCount = new() { NpgsqlDbType = NpgsqlDbType.Integer };
            private readonly NpgsqlParameter<string> _traceId = Text();
            private readonly NpgsqlParameter<IPAddress> _clientIp = new() { NpgsqlDbType = NpgsqlDbType.Inet };
            private readonly NpgsqlParameter<string> _userAgent = Text();

            public void Bind(AdminAuditLog row, NpgsqlParameterCollection parameters)
            {
                parameters.Add(Set(_occurredAt, row.OccurredAt));
                parameters.Add(Set(_actorId, row.ActorId));
                parameters.Add(Set(_actorName, row.ActorName));
                parameters.Add(Set(_actorRoles, row.ActorRoles));
                parameters.Add(Set(_authMode, row.AuthMode));
                parameters.Add(Set(_action, row.Action));
                parameters.Add(Set(_route, row.Route));
                parameters.Add(Set(_resourceType, row.ResourceType));
                parameters.Add(Set(_resourceId, row.ResourceId));
                parameters.Add(Set(_query, row.Query));
                parameters.Add(Set(_result, row.Result));
                parameters.Add(Set(_statusCode, row.StatusCode));
                parameters.Add(Set(_durationMs, row.DurationMs));
                parameters.Add(Set(_resultCount, row.ResultCount));
                parameters.Add(Set(_traceId, row.TraceId));
                parameters.Add(Set(_clientIp, row.ClientIp));
                parameters.Add(Set(_userAgent, row.UserAgent));
            }

            public void Release()
            {
                _actorId.TypedValue = null;
                _actorName.TypedValue = null;
                _actorRoles.TypedValue = null;
                _authMode.TypedValue = null;
                _action.TypedValue = null;
                _route.TypedValue = null;
                _resourceType.TypedValue = null;
                _resourceId.TypedValue = null;
                _query.TypedValue = null;
                _result.TypedValue = null;
                _traceId.TypedValue = null;
                _clientIp.TypedValue = null;
                _userAgent.TypedValue = null;
            }

            private static NpgsqlParameter<string> Text() => new() { NpgsqlDbType = NpgsqlDbType.Text };

            private static NpgsqlParameter<T> Set<T>(NpgsqlParameter<T> parameter, T? value)
            {
                parameter.TypedValue = value;
                return parameter;
            }
        }
    }
}
