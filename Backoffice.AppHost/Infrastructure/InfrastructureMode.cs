using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace Backoffice.AppHost.Infrastructure;

/// <summary>How the AppHost provides PostgreSQL and Kafka.</summary>
public enum InfrastructureMode
{
    /// <summary>PostgreSQL and Kafka containers (needs a container runtime).</summary>
    Containers,

    /// <summary>PostgreSQL from the machine's binaries and the local Kafka-protocol broker (no container runtime needed).</summary>
    Local,

    /// <summary>
    /// Servers run elsewhere (Azure Database for PostgreSQL, Event Hubs, a shared Kafka): the connection strings
    /// <c>backoffice</c> and <c>kafka</c> are secret parameters. The mode of every deployment manifest.
    /// </summary>
    External,
}

public static class InfrastructureModeResolver
{
    public const string ConfigurationKey = "Infrastructure:Mode";

    /// <summary>
    /// <c>Infrastructure:Mode</c> = <c>containers</c> | <c>local</c> | <c>external</c> | <c>auto</c> (default).
    /// Auto publishes with external servers; when running it asks the container runtime Aspire would use
    /// (<c>ASPIRE_CONTAINER_RUNTIME</c>, else docker) whether its engine answers: a client without a daemon
    /// (this project's CI machines) means local.
    /// </summary>
    public static InfrastructureMode Resolve(IConfiguration configuration, bool isPublishMode)
    {
        var configured = configuration[ConfigurationKey]?.Trim().ToLowerInvariant();
        return configured switch
        {
            "containers" or "container" => InfrastructureMode.Containers,
            "local" => InfrastructureMode.Local,
            "external" => InfrastructureMode.External,
            // A deployment never points at processes or containers on the developer's machine.
            null or "" or "auto" when isPublishMode => InfrastructureMode.External,
            null or "" or "auto" => ContainerRuntimeAnswers(configuration["ASPIRE_CONTAINER_RUNTIME"] ?? "docker")
                ? InfrastructureMode.Containers
                : InfrastructureMode.Local,
            _ => throw new InvalidOperationException(
                $"Configuration '{ConfigurationKey}' has the value '{configured}'; expected 'auto', 'containers', 'local' or 'external'."),
        };
    }

    private static bool ContainerRuntimeAnswers(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // The runtime's client is not installed at all.
            return false;
        }
    }
}
