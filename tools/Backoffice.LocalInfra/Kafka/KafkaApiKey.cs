namespace Backoffice.LocalInfra.Kafka;

/// <summary>
/// Kafka protocol request types (the protocol's ApiKey numbers) that the librdkafka 2.16 mock
/// cluster serves, for targeting injected errors. It serves no admin requests (CreateTopics,
/// DeleteTopics, DescribeGroups, ListGroups, DescribeConfigs, ...).
/// </summary>
public enum KafkaApiKey : short
{
    Produce = 0,
    Fetch = 1,
    ListOffsets = 2,
    Metadata = 3,
    OffsetCommit = 8,
    OffsetFetch = 9,
    FindCoordinator = 10,
    JoinGroup = 11,
    Heartbeat = 12,
    LeaveGroup = 13,
    SyncGroup = 14,
    ApiVersions = 18,
    InitProducerId = 22,
    OffsetForLeaderEpoch = 23,
    AddPartitionsToTxn = 24,
    AddOffsetsToTxn = 25,
    EndTxn = 26,
    TxnOffsetCommit = 28,
    ConsumerGroupHeartbeat = 68,
}
