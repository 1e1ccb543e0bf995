using Npgsql;

namespace Backoffice.Data.Sync;

/// <summary>
/// Statements of one transaction sent to the server together (one <see cref="NpgsqlBatch"/>, one
/// network round trip), each reading its own results afterwards. The upserts add their statements
/// with <c>Add…</c> methods, so a batch write costs a few round trips however many tables it touches.
/// </summary>
public sealed class SyncRoundTrip
{
    private readonly List<(NpgsqlBatchCommand Command, bool ReturnsRows, Func<NpgsqlDataReader, CancellationToken, Task>? Read)> _commands = [];

    public bool IsEmpty => _commands.Count == 0;

    /// <summary>Queues a statement that returns no result set (Npgsql skips those when moving between results).</summary>
    internal void Add(NpgsqlBatchCommand command) => _commands.Add((command, false, null));

    /// <summary>Queues a statement that returns a result set; <paramref name="read"/> consumes it (null: the rows are ignored).</summary>
    internal void Add(NpgsqlBatchCommand command, Func<NpgsqlDataReader, CancellationToken, Task>? read) => _commands.Add((command, true, read));

    /// <summary>Sends the queued statements and hands each result set to its reader, in order.</summary>
    public async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (IsEmpty)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var (command, _, _) in _commands)
        {
            batch.BatchCommands.Add(command);
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var first = true;
        foreach (var (_, _, read) in _commands.Where(c => c.ReturnsRows))
        {
            // The reader starts on the first result set; each further one is a NextResult away.
            if (!first && !await reader.NextResultAsync(cancellationToken))
            {
                throw new InvalidOperationException("The server returned fewer result sets than the round trip's statements.");
            }

            first = false;
            if (read is not null)
            {
                await read(reader, cancellationToken);
            }
        }

        // Surfaces an error of a trailing statement that returns no rows.
        while (await reader.NextResultAsync(cancellationToken))
        {
        }
    }
}

/// <summary>A statement's result, available once its <see cref="SyncRoundTrip"/> has run.</summary>
public sealed class SyncResult<T>
{
    private T? _value;
    private bool _set;

    public T Value => _set ? _value! : throw new InvalidOperationException("The round trip holding this statement has not run.");

    internal void Set(T value)
    {
        _value = value;
        _set = true;
    }
}
