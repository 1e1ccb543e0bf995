using System.Net;
using System.Net.Sockets;

namespace Backoffice.Bench.Infrastructure;

public static class Http
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Polls <paramref name="url"/> until it answers 200; fails early when the process behind it exits.</summary>
    public static async Task<TimeSpan> WaitUntilOkAsync(HttpClient client, Uri url, ChildProcess process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        string? last = null;
        while (started.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"{process.Name} exited while starting:\n{ChildProcess.Tail(await process.ReadLogAsync(), 4000)}");
            }

            try
            {
                using var response = await client.GetAsync(url, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return started.Elapsed;
                }

                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}";
            }
            catch (HttpRequestException exception)
            {
                last = exception.Message;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"{url} did not answer 200 within {timeout} (last: {last}).\n{ChildProcess.Tail(await process.ReadLogAsync(), 4000)}");
    }

    public static async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync(HttpClient client, Uri metricsUrl, CancellationToken cancellationToken) =>
        PrometheusText.Parse(await client.GetStringAsync(metricsUrl, cancellationToken));
}
