using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Backoffice.Bench.Infrastructure;

namespace Backoffice.Bench.Lookup;

/// <summary>
/// Open-loop load at a fixed rate: request <c>i</c> is due at <c>start + i / rate</c> whether or not
/// earlier ones have answered, and its latency is measured from that intended time, so a stalled
/// server is charged for the requests it delayed (no coordinated omission). A dedicated thread sends
/// every due request, then sleeps about a millisecond; how late sends left is reported separately.
/// Request <c>i</c> asks for <paramref name="pathOf"/> of a random number from 1 to <paramref name="idRange"/>.
/// </summary>
public sealed class OpenLoopClient(Uri baseAddress, string bearerToken, Func<int, string> pathOf, int idRange)
{
    public async Task<JsonObject> RunAsync(double ratePerSecond, TimeSpan duration, CancellationToken cancellationToken)
    {
        var total = (int)(ratePerSecond * duration.TotalSeconds);
        var latencies = new double[total];
        var lateness = new double[total];
        var statuses = new int[total];
        var tasks = new Task[total];
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1024,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        };
        using var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        var random = new Random(4242);
        var paths = Enumerable.Range(0, total).Select(_ => pathOf(random.Next(1, idRange + 1))).ToArray();

        var interval = Stopwatch.Frequency / ratePerSecond;
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 10;
        var sender = new Thread(() =>
        {
            var next = 0;
            while (next < total && !cancellationToken.IsCancellationRequested)
            {
                var now = Stopwatch.GetTimestamp();
                while (next < total && start + (long)(next * interval) <= now)
                {
                    var intended = start + (long)(next * interval);
                    lateness[next] = Stopwatch.GetElapsedTime(intended, now).TotalMilliseconds;
                    tasks[next] = SendAsync(client, authorization, paths[next], intended, next, latencies, statuses);
                    next++;
                }

                Thread.Sleep(1);
            }
        })
        { IsBackground = true, Name = "open-loop sender", Priority = ThreadPriority.AboveNormal };
        var clock = Stopwatch.StartNew();
        sender.Start();
        await Task.Run(sender.Join, cancellationToken);
        await Task.WhenAll(tasks.Where(t => t is not null));
        var elapsed = clock.Elapsed;

        var ok = statuses.Count(s => s == 200);
        var sorted = latencies.Order().ToArray();
        var late = lateness.Order().ToArray();
        var byStatus = new JsonObject();
        foreach (var group in statuses.GroupBy(s => s).OrderBy(g => g.Key))
        {
            byStatus[group.Key == 0 ? "error" : group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)] = group.Count();
        }

        return new JsonObject
        {
            ["target_requests_per_second"] = ratePerSecond,
            ["seconds"] = duration.TotalSeconds,
            ["requests"] = total,
            ["achieved_requests_per_second"] = BenchResult.Round(total / elapsed.TotalSeconds, 1),
            ["status_counts"] = byStatus,
            ["ok"] = ok,
            ["latency_ms"] = new JsonObject
            {
                ["p50"] = BenchResult.Round(Percentile(sorted, 0.50), 3),
                ["p95"] = BenchResult.Round(Percentile(sorted, 0.95), 3),
                ["p99"] = BenchResult.Round(Percentile(sorted, 0.99), 3),
                ["p999"] = BenchResult.Round(Percentile(sorted, 0.999), 3),
                ["max"] = BenchResult.Round(sorted[^1], 3),
                ["mean"] = BenchResult.Round(sorted.Average(), 3),
                ["measured_from"] = "intended send time (open loop, no coordinated omission)",
            },
            ["send_lateness_ms"] = new JsonObject
            {
                ["p50"] = BenchResult.Round(Percentile(late, 0.50), 3),
                ["p99"] = BenchResult.Round(Percentile(late, 0.99), 3),
                ["max"] = BenchResult.Round(late[^1], 3),
            },
        };
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static async Task SendAsync(
        HttpClient client, AuthenticationHeaderValue authorization, string path, long intended, int index, double[] latencies, int[] statuses)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = authorization;
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            statuses[index] = (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            statuses[index] = 0;
        }
        catch (TaskCanceledException)
        {
            statuses[index] = 0;
        }

        latencies[index] = Stopwatch.GetElapsedTime(intended).TotalMilliseconds;
    }
}
