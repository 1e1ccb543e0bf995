using System.Buffers.Binary;
using System.Text;

namespace Backoffice.LocalInfra.Kafka;

/// <summary>
/// Reads the topic names out of a Kafka <c>MetadataRequest</c> that asks the broker to auto-create
/// missing topics. The mock cluster auto-creates with a fixed partition count (4); reading the
/// request lets the forwarder create the topic first with the configured count.
/// </summary>
internal static class MetadataRequestReader
{
    private const short MetadataApiKey = (short)KafkaApiKey.Metadata;
    private const short FirstFlexibleVersion = 9;
    private const short FirstVersionWithTopicIds = 10;
    private const short FirstVersionWithAutoCreateFlag = 4;

    /// <summary>
    /// Returns the requested topic names when <paramref name="request"/> (a request frame without
    /// its 4-byte size prefix) is a Metadata request for explicit topics with auto-creation allowed;
    /// otherwise an empty list. Malformed or unknown input yields an empty list: the request is
    /// still forwarded and the broker judges it.
    /// </summary>
    public static IReadOnlyList<string> AutoCreateTopics(ReadOnlySpan<byte> request)
    {
        var reader = new Reader(request);
        if (!reader.TryInt16(out var apiKey) || apiKey != MetadataApiKey
            || !reader.TryInt16(out var version) || version < 0
            || !reader.TrySkip(4) // correlation id
            || !reader.TryInt16(out var clientIdLength)
            || !reader.TrySkip(Math.Max((int)clientIdLength, 0)))
        {
            return [];
        }

        var flexible = version >= FirstFlexibleVersion;
        if (flexible && !reader.TrySkipTaggedFields())
        {
            return [];
        }

        var topics = new List<string>();
        if (flexible)
        {
            if (!reader.TryUVarInt(out var countPlusOne) || countPlusOne == 0)
            {
                return [];
            }

            for (var i = 0u; i < countPlusOne - 1; i++)
            {
                if (version >= FirstVersionWithTopicIds && !reader.TrySkip(16))
                {
                    return [];
                }

                if (!reader.TryUVarInt(out var lengthPlusOne))
                {
                    return [];
                }

                if (lengthPlusOne > 0)
                {
                    if (!reader.TryString((int)(lengthPlusOne - 1), out var name))
                    {
                        return [];
                    }

                    topics.Add(name);
                }

                if (!reader.TrySkipTaggedFields())
                {
                    return [];
                }
            }
        }
        else
        {
            if (!reader.TryInt32(out var count) || count <= 0)
            {
                return [];
            }

            for (var i = 0; i < count; i++)
            {
                if (!reader.TryInt16(out var length) || length < 0 || !reader.TryString(length, out var name))
                {
                    return [];
                }

                topics.Add(name);
            }
        }

        // Before v4 the request has no flag: the broker's auto.create.topics.enable decides.
        var allowAutoCreate = version < FirstVersionWithAutoCreateFlag
            || (reader.TryByte(out var flag) && flag != 0);

        return allowAutoCreate ? topics : [];
    }

    private ref struct Reader(ReadOnlySpan<byte> buffer)
    {
        private readonly ReadOnlySpan<byte> _buffer = buffer;
        private int _position;

        private readonly ReadOnlySpan<byte> Remaining => _buffer[_position..];

        public bool TrySkip(int count)
        {
            if (count < 0 || count > Remaining.Length)
            {
                return false;
            }

            _position += count;
            return true;
        }

        public bool TryByte(out byte value)
        {
            value = 0;
            if (Remaining.IsEmpty)
            {
                return false;
            }

            value = Remaining[0];
            _position++;
            return true;
        }

        public bool TryInt16(out short value) =>
            BinaryPrimitives.TryReadInt16BigEndian(Remaining, out value) && TrySkip(2);

        public bool TryInt32(out int value) =>
            BinaryPrimitives.TryReadInt32BigEndian(Remaining, out value) && TrySkip(4);

        public bool TryUVarInt(out uint value)
        {
            value = 0;
            for (var shift = 0; shift < 35; shift += 7)
            {
                if (!TryByte(out var b))
                {
                    return false;
                }

                value |= (uint)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return true;
                }
            }

            return false;
        }

        public bool TryString(int length, out string value)
        {
            value = "";
            if (length < 0 || length > Remaining.Length)
            {
                return false;
            }

            value = Encoding.UTF8.GetString(Remaining[..length]);
            _position += length;
            return true;
        }

        public bool TrySkipTaggedFields()
        {
            if (!TryUVarInt(out var count))
            {
                return false;
            }

            for (var i = 0u; i < count; i++)
            {
                if (!TryUVarInt(out _) || !TryUVarInt(out var size) || !TrySkip((int)size))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
