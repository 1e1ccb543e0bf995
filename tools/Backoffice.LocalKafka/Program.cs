using Backoffice.LocalInfra.Kafka;

namespace Backoffice.LocalKafka;

internal static class Program
{
    private const int ExitCannotStart = 1;
    private const int ExitUsage = 2;

    public static async Task<int> Main(string[] args)
    {
        var settings = LocalKafkaSettings.Parse(args, Environment.GetEnvironmentVariables(), out var error);
        if (settings is null)
        {
            if (error is null)
            {
                Console.WriteLine(LocalKafkaSettings.Usage);
                return 0;
            }

            await Console.Error.WriteLineAsync($"error: {error}{Environment.NewLine}{LocalKafkaSettings.ShortUsage}");
            return ExitUsage;
        }

        MockKafkaCluster cluster;
        try
        {
            cluster = MockKafkaCluster.Start(settings.ToClusterOptions());
        }
        catch (IOException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return ExitCannotStart;
        }

        await using (cluster)
        {
            using var host = LocalKafkaHost.Build(settings, cluster);
            try
            {
                await host.StartAsync();
            }
            catch (IOException ex)
            {
                await Console.Error.WriteLineAsync($"error: the control endpoint cannot listen on port {settings.ControlPort}: {ex.Message}");
                return ExitCannotStart;
            }

            if (LocalKafkaHost.ControlUrl(host) is { } controlUrl)
            {
                Console.WriteLine($"Control endpoint listening on {controlUrl}");
            }

            // The ready line is the contract callers (tests, the AppHost) wait for: print it last.
            Console.WriteLine($"Kafka-protocol broker listening on {cluster.BootstrapServers}");
            await host.WaitForShutdownAsync();
        }

        return 0;
    }
}
