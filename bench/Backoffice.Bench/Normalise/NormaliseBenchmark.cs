using System.Diagnostics;
using System.Runtime;
using System.Text.Json;
using System.Text.Json.Nodes;
using Backoffice.Bench.Infrastructure;
using Backoffice.Simulator.Traffic;
using Backoffice.SyncConsumer.Normalisation;
using ConsumerStream = Backoffice.SyncConsumer.Normalisation.StreamKind;

namespace Backoffice.Bench.Normalise;

public sealed record NormaliseSettings(int Messages = 200_000, int Rounds = 7, long Seed = 42);

/// <summary>
/// A micro-benchmark of one component, in this process (no servers): the consumer's normaliser
/// (spec §2) over the ingest benchmark's seeded traffic (aliases, Debezium envelopes, malformed
/// messages, tombstones), in nanoseconds and bytes allocated per message, next to
/// <see cref="JsonDocument.Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/> of the same bytes:
/// the floor of any normaliser that parses with System.Text.Json. The normaliser runs on the
/// consumer's poll thread, one message after another, so its cost per message bounds how fast one
/// consumer can take messages in. Every result is checked against what the simulator meant.
/// </summary>
public sealed class NormaliseBenchmark(BenchContext context, NormaliseSettings settings)
{
    private const int WarmUpRounds = 3;

    public Task<BenchResult> RunAsync()
    {
        var result = new BenchResult("normalise");
        var (messages, expected) = Generate();
        var bytes = messages.Sum(m => (long)(m.Value?.Length ?? 0));
        context.Log($"{messages.Length:N0} messages, {bytes / (double)messages.Length:0} bytes each on average");

        var normalizerOptions = new NormalizerOptions();
        var normalizer = new EventNormalizer(normalizerOptions);
        var checkedCount = Check(normalizer, messages, expected);
        context.Log($"every result is what the simulator meant ({checkedCount:N0} messages)");

        var options = new JsonDocumentOptions { MaxDepth = normalizerOptions.MaxDepth };
        var parse = Measure("JsonDocument.Parse", messages, message =>
        {
            try
            {
                using var document = JsonDocument.Parse(message.Value, options);
                return document.RootElement.ValueKind == JsonValueKind.Object ? 1 : 0;
            }
            catch (JsonException)
            {
                return 0;
            }
        });
        var normalise = Measure("EventNormalizer.Normalise", messages, message => normalizer.Normalise(message) is NormalisationResult.Rejected ? 0 : 1);

        result["workload"] = new JsonObject
        {
            ["generator"] = "Backoffice.Simulator TrafficGenerator (seeded, as in the ingest benchmark)",
            ["messages"] = messages.Length,
            ["mean_bytes"] = BenchResult.Round(bytes / (double)messages.Length, 0),
            ["checked_against_simulator"] = checkedCount,
        };
        result["runtime"] = new JsonObject
        {
            ["gc"] = GCSettings.IsServerGC ? "server" : "workstation",
            // The consumer ships with dynamic PGO off (docs/benchmarks.md); bench/run-normalise turns it off here too.
            ["dynamic_pgo"] = Environment.GetEnvironmentVariable("DOTNET_TieredPGO") == "0" ? "off (DOTNET_TieredPGO=0, as the consumer ships)" : "on",
            ["rounds"] = settings.Rounds,
            ["warm_up_rounds"] = WarmUpRounds,
        };
        result["baseline_json_document_parse"] = parse.Json;
        result["normaliser"] = normalise.Json;
        result["ratio_time_normaliser_to_parse"] = BenchResult.Round(normalise.MedianNs / parse.MedianNs, 2);
        result["normaliser_messages_per_second_one_thread"] = BenchResult.Round(1e9 / normalise.MedianNs, 0);
        return Task.FromResult(result);
    }

    private (InboundMessage[] Messages, SimulatedMessage[] Expected) Generate()
    {
        var traffic = new TrafficOptions { Seed = settings.Seed, IdPrefix = "ing", EventsPerSecond = 5_000 };
        var generated = new TrafficGenerator(traffic).Generate(settings.Messages).ToList();
        var messages = generated.Select((m, i) => new InboundMessage(
            m.Stream == Simulator.Traffic.StreamKind.Ledger ? ConsumerStream.Ledger : ConsumerStream.PaymentOrder,
            "bench", 0, i, System.Text.Encoding.UTF8.GetBytes(m.Key), m.Value, [], DateTimeOffset.UnixEpoch)).ToArray();
        return (messages, generated.ToArray());
    }

    /// <summary>Tombstones are skipped, malformed messages rejected with the simulator's error code, everything else accepted.</summary>
    private static int Check(EventNormalizer normalizer, InboundMessage[] messages, SimulatedMessage[] expected)
    {
        for (var i = 0; i < messages.Length; i++)
        {
            var outcome = normalizer.Normalise(messages[i]);
            var ok = expected[i].Kind switch
            {
                MessageKind.Tombstone => outcome is NormalisationResult.Skipped,
                MessageKind.Malformed => outcome is NormalisationResult.Rejected rejected && rejected.ErrorCode == expected[i].ExpectedErrorCode,
                _ => outcome is NormalisationResult.Ledger or NormalisationResult.PaymentOrder,
            };
            if (!ok)
            {
                throw new InvalidOperationException($"message {i} ({expected[i].Kind}, {expected[i].Description}) was normalised to {outcome}");
            }
        }

        return messages.Length;
    }

    private Measurement Measure(string name, InboundMessage[] messages, Func<InboundMessage, int> action)
    {
        var sink = 0;
        for (var round = 0; round < WarmUpRounds; round++)
        {
            foreach (var message in messages)
            {
                sink += action(message);
            }
        }

        var perMessageNs = new List<double>(settings.Rounds);
        long allocated = 0;
        for (var round = 0; round < settings.Rounds; round++)
        {
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var started = Stopwatch.GetTimestamp();
            foreach (var message in messages)
            {
                sink += action(message);
            }

            perMessageNs.Add(Stopwatch.GetElapsedTime(started).TotalNanoseconds / messages.Length);
            allocated += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        }

        perMessageNs.Sort();
        var measurement = new Measurement(perMessageNs[perMessageNs.Count / 2], perMessageNs[0], allocated / (double)settings.Rounds / messages.Length);
        context.Log($"{name}: median {measurement.MedianNs / 1000:0.00} µs, best {measurement.BestNs / 1000:0.00} µs, {measurement.BytesAllocated:0} bytes allocated per message (checksum {sink})");
        return measurement;
    }

    private sealed record Measurement(double MedianNs, double BestNs, double BytesAllocated)
    {
        public JsonObject Json => new()
        {
            ["median_ns_per_message"] = BenchResult.Round(MedianNs, 0),
            ["best_ns_per_message"] = BenchResult.Round(BestNs, 0),
            ["bytes_allocated_per_message"] = BenchResult.Round(BytesAllocated, 0),
        };
    }
}
