using Backoffice.Simulator.Oracle;

namespace Backoffice.Simulator.Producing;

/// <summary>
/// Where each produced message landed, by message sequence: the DLQ expectations need the
/// topic/partition/offset of every bad message. Compact arrays (a million messages ≈ 14 MB).
/// Written from the producer's delivery-report thread, read after the flush.
/// </summary>
public sealed class DeliveryLog
{
    private readonly Lock _gate = new();
    private readonly List<string> _topics = [];
    private short[] _topicIndex = [];
    private int[] _partition = [];
    private long[] _offset = [];

    /// <summary>Number of messages recorded as delivered.</summary>
    public long Count { get; private set; }

    public void Record(long sequence, string topic, int partition, long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        lock (_gate)
        {
            EnsureCapacity(sequence + 1);
            var index = _topics.IndexOf(topic);
            if (index < 0)
            {
                _topics.Add(topic);
                index = _topics.Count - 1;
            }

            if (_topicIndex[sequence] == 0)
            {
                Count++;
            }

            _topicIndex[sequence] = (short)(index + 1);
            _partition[sequence] = partition;
            _offset[sequence] = offset;
        }
    }

    public MessagePosition? PositionOf(long sequence)
    {
        lock (_gate)
        {
            return sequence < _topicIndex.LongLength && _topicIndex[sequence] is > 0 and var t
                ? new MessagePosition(_topics[t - 1], _partition[sequence], _offset[sequence])
                : null;
        }
    }

    private void EnsureCapacity(long size)
    {
        if (size <= _topicIndex.LongLength)
        {
            return;
        }

        var capacity = Math.Max(size, Math.Max(1024, _topicIndex.LongLength * 2));
        Array.Resize(ref _topicIndex, (int)capacity);
        Array.Resize(ref _partition, (int)capacity);
        Array.Resize(ref _offset, (int)capacity);
    }
}
