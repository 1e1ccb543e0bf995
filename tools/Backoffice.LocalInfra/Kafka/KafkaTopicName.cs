namespace Backoffice.LocalInfra.Kafka;

/// <summary>Kafka's rule for legal topic names, checked before a name reaches the mock.</summary>
internal static class KafkaTopicName
{
    private const int MaxLength = 249;

    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name)
        && name.Length <= MaxLength
        && name is not ("." or "..")
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    public static void Validate(string name)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not a legal Kafka topic name (1-{MaxLength} characters of [a-zA-Z0-9._-]).", nameof(name));
        }
    }
}
