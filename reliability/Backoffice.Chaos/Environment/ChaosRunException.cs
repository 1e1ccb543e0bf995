namespace Backoffice.Chaos.Environment;

/// <summary>A run could not go on (a consumer died on its own, a deadline passed); the message says why.</summary>
public sealed class ChaosRunException : Exception
{
    public ChaosRunException()
    {
    }

    public ChaosRunException(string message)
        : base(message)
    {
    }

    public ChaosRunException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
