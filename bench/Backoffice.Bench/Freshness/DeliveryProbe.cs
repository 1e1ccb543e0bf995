using System.Text.Json.Nodes;
using Backoffice.Bench.Infrastructure;
using Backoffice.Bench.Lookup;
using Confluent.Kafka;

namespace Backoffice.Bench.Freshness;

/// <summary>
/// A bare Kafka consumer in its own group, reading the same topics with the same fetch settings and
/// timing only delivery (now − record timestamp on receipt, no database): how much of the freshness
/// the broker and the client's fetch path account for before the Sync Consumer does any work.
/// </summary>
public sealed class DeliveryProbe : IDisposable
{
    private readonly IConsumer<Ignore, Ignore> _consumer;
    private readonly Thread _thread;
    private readonly List<double> _delaysMs = new(400_000);
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _recording;

    public DeliveryProbe(string bootstrapServers, IEnumerable<string> topics, int fetchWaitMaxMs)
    {
        _consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "bench-delivery-probe",
            AutoOffsetReset = AutoOffsetReset.Latest,
            EnableAutoCommit = false,
            FetchWaitMaxMs = fetchWaitMaxMs,
        }).Build();
        _consumer.Subscribe(topics);
        _thread = new Thread(Run) { IsBackground = true, Name = "delivery probe" };
        _thread.Start();
    }

    public void StartRecording() => _recording = true;

    public JsonObject StopAndReport()
    {
        _recording = false;
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(10));
        double[] sorted;
        lock (_delaysMs)
        {
            sorted = [.. _delaysMs.Order()];
        }

        return new JsonObject
        {
            ["what"] = "now minus record timestamp when a plain consumer (own group, same fetch.wait.max.ms) receives the message; no database",
            ["messages"] = sorted.Length,
            ["p50_ms"] = BenchResult.Round(OpenLoopClient.Percentile(sorted, 0.50), 1),
            ["p95_ms"] = BenchResult.Round(OpenLoopClient.Percentile(sorted, 0.95), 1),
            ["p99_ms"] = BenchResult.Round(OpenLoopClient.Percentile(sorted, 0.99), 1),
        };
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(10));
        _consumer.Close();
        _consumer.Dispose();
        _stop.Dispose();
    }

    private void Run()
    {
        while (!_stop.IsCancellationRequested)
        {
            var record = _consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (record is null || !_recording)
            {
                continue;
            }

            var delay = (DateTime.UtcNow - record.Message.Timestamp.UtcDateTime).TotalMilliseconds;
            lock (_delaysMs)
            {
                _delaysMs.Add(delay);
            }
        }
    }
}
