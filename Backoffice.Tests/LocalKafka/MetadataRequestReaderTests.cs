using System.Buffers.Binary;
using System.Text;
using Backoffice.LocalInfra.Kafka;

namespace Backoffice.Tests.LocalKafka;

/// <summary>
/// The forwarder reads topic names out of Metadata requests to auto-create topics with the
/// configured partition count; whatever it cannot read must be left to the broker.
/// </summary>
public sealed class MetadataRequestReaderTests
{
    public static TheoryData<short> NonFlexibleVersionsWithFlag => [4, 5, 6, 7, 8];

    public static TheoryData<short> FlexibleVersions => [9, 10, 11, 12, 13];

    [Theory]
    [InlineData((short)0)]
    [InlineData((short)1)]
    [InlineData((short)3)]
    public void Requests_before_v4_always_ask_for_auto_creation(short version) =>
        Assert.Equal(["a.topic", "b_topic"], MetadataRequestReader.AutoCreateTopics(Request(version, ["a.topic", "b_topic"], allowAutoCreate: null)));

    [Theory]
    [MemberData(nameof(NonFlexibleVersionsWithFlag))]
    [MemberData(nameof(FlexibleVersions))]
    public void Topics_are_read_when_auto_creation_is_allowed(short version) =>
        Assert.Equal(["bo.ledger-entries.v1", "x"], MetadataRequestReader.AutoCreateTopics(Request(version, ["bo.ledger-entries.v1", "x"], allowAutoCreate: true)));

    [Theory]
    [MemberData(nameof(NonFlexibleVersionsWithFlag))]
    [MemberData(nameof(FlexibleVersions))]
    public void Nothing_is_read_when_auto_creation_is_not_allowed(short version) =>
        Assert.Empty(MetadataRequestReader.AutoCreateTopics(Request(version, ["consumer.topic"], allowAutoCreate: false)));

    [Theory]
    [InlineData((short)1)]
    [InlineData((short)4)]
    [InlineData((short)9)]
    [InlineData((short)12)]
    public void A_request_for_all_topics_names_none(short version) =>
        Assert.Empty(MetadataRequestReader.AutoCreateTopics(Request(version, null, allowAutoCreate: version >= 4 ? true : null)));

    [Fact]
    public void Topics_asked_for_by_id_only_are_skipped() =>
        Assert.Equal(["named"], MetadataRequestReader.AutoCreateTopics(Request(12, [null, "named"], allowAutoCreate: true)));

    [Fact]
    public void Tagged_fields_in_the_request_header_are_skipped() =>
        Assert.Equal(["t"], MetadataRequestReader.AutoCreateTopics(Request(12, ["t"], allowAutoCreate: true, headerTag: [1, 2, 3])));

    [Fact]
    public void Other_request_types_are_ignored()
    {
        var produce = Request(9, ["t"], allowAutoCreate: true);
        BinaryPrimitives.WriteInt16BigEndian(produce, (short)KafkaApiKey.Produce);

        Assert.Empty(MetadataRequestReader.AutoCreateTopics(produce));
    }

    [Theory]
    [MemberData(nameof(NonFlexibleVersionsWithFlag))]
    [MemberData(nameof(FlexibleVersions))]
    public void Truncated_requests_yield_nothing_and_never_throw(short version)
    {
        var request = Request(version, ["first", "second"], allowAutoCreate: true);
        var flagOffset = request.Length - TrailingBytes(version) - 1;

        for (var length = 0; length <= flagOffset; length++)
        {
            Assert.Empty(MetadataRequestReader.AutoCreateTopics(request.AsSpan(0, length)));
        }
    }

    /// <summary>A MetadataRequest frame (without the size prefix) as a client writes it.</summary>
    private static byte[] Request(short version, string?[]? topics, bool? allowAutoCreate, byte[]? headerTag = null)
    {
        var flexible = version >= 9;
        var body = new List<byte>();
        body.AddRange(Int16((short)KafkaApiKey.Metadata));
        body.AddRange(Int16(version));
        body.AddRange(Int32(42));
        body.AddRange(Int16(7));
        body.AddRange("rdkafka"u8.ToArray());
        if (flexible)
        {
            body.AddRange(TaggedFields(headerTag));
        }

        if (topics is null)
        {
            body.AddRange(flexible ? [0] : Int32(-1));
        }
        else
        {
            body.AddRange(flexible ? UVarInt((uint)topics.Length + 1) : Int32(topics.Length));
            foreach (var topic in topics)
            {
                if (version >= 10)
                {
                    body.AddRange(Guid.NewGuid().ToByteArray());
                }

                var name = topic is null ? null : Encoding.UTF8.GetBytes(topic);
                if (flexible)
                {
                    body.AddRange(name is null ? [0] : [.. UVarInt((uint)name.Length + 1), .. name]);
                    body.AddRange(TaggedFields(null));
                }
                else
                {
                    body.AddRange(Int16((short)name!.Length));
                    body.AddRange(name);
                }
            }
        }

        if (allowAutoCreate is bool allow)
        {
            body.Add(allow ? (byte)1 : (byte)0);
        }

        body.AddRange(new byte[TrailingBytes(version)]);
        return [.. body];
    }

    // include_cluster/topic_authorized_operations (v8-v10, topic only from v11) and the body's tagged fields.
    private static int TrailingBytes(short version) =>
        (version is >= 8 and <= 10 ? 2 : version >= 11 ? 1 : 0) + (version >= 9 ? 1 : 0);

    private static byte[] TaggedFields(byte[]? tag) =>
        tag is null ? [0] : [1, 0, .. UVarInt((uint)tag.Length), .. tag];

    private static byte[] Int16(short value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] UVarInt(uint value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
        return [.. bytes];
    }
}
