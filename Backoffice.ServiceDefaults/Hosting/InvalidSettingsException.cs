namespace Backoffice.ServiceDefaults.Hosting;

/// <summary>A setting makes a service refuse to start; the message names the key and says why.</summary>
public sealed class InvalidSettingsException : InvalidOperationException
{
    public InvalidSettingsException(string message)
        : base(message)
    {
    }

    public InvalidSettingsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
