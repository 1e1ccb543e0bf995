using System.Collections.Concurrent;
using System.Diagnostics;
using Backoffice.Simulator.Continuous;
using Backoffice.Simulator.Traffic;
using Backoffice.Tests.Infrastructure;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Backoffice.Tests.Simulator;

/// <summary>The long-running resource mode against the local broker: what it sends and what it tells the developer.</summary>
public sealed class SimulatorWorkerTests(KafkaBrokerFixture broker)
{
    [Fact]
    public async Task The_resource_produces_its_payments_and_names_payments_to_look_up()
    {
        var ledgerTopic = await broker.CreateTopicAsync("sim-worker-ledger");
        var orderTopic = await broker.CreateTopicAsync("sim-worker-orders");
        var logs = new LogCollector();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = broker.BootstrapServers,
            ["Simulator:Profile"] = "local",
            ["Simulator:Profiles:local:Topics:ledger"] = ledgerTopic,
            ["Simulator:Profiles:local:Topics:payment_order"] = orderTopic,
            ["Simulator:Seed"] = "42",
            ["Simulator:Payments"] = "40",
            ["Simulator:EventsPerSecond"] = "400",
            ["Simulator:LogInterval"] = "00:00:01",
            ["Simulator:MaxLegDelay"] = "00:00:00.500",
        });
        builder.Logging.AddProvider(logs);
        builder.AddSimulator();
        using var host = builder.Build();
        var expected = new TrafficGenerator(new TrafficOptions { Seed = 42, Payments = 40 }).Generate().ToList();

        await host.StartAsync(TestContext.Current.CancellationToken);
        var received = Consume([ledgerTopic, orderTopic], expected.Count);
        await WaitForAsync(() => logs.Contains("Simulation finished"));
        await host.StopAsync(TestContext.Current.CancellationToken);

        // The seed fixes the messages (their timestamps follow the clock): the same keys, each as often, tombstones included.
        Assert.Equal(expected.Select(m => (m.Key, m.Value is null)).Order(), received.Select(r => (r.Message.Key, r.Message.Value is null)).Order());
        Assert.All(received, r => Assert.NotNull(r.Message.Headers.GetLastBytes("traceparent")));
        var firstComplete = expected.Select(m => m.Payment).First(p => p?.Scenario == PaymentScenario.Settled)!;
        var firstWithheld = expected.Select(m => m.Payment).First(p => p?.Scenario == PaymentScenario.LegWithheld)!;
        Assert.True(logs.Contains($"Expect COMPLETE: payment order {firstComplete.OrderId}, ledger tx_ids {firstComplete.PaymentTxId} (PAYMENT) and {firstComplete.ReceiveTxId} (RECEIVE)"), logs.Text);
        Assert.True(logs.Contains($"ledger tx_id {firstWithheld.SentTxIds[0]}; {firstWithheld.WithheldTxId} is never sent"), logs.Text);
        Assert.True(logs.Contains($"Simulation finished: {expected.Count} messages sent, {expected.Count} delivered, 0 failed"), logs.Text);
    }

    private List<ConsumeResult<string, byte[]>> Consume(string[] topics, int count)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = KafkaBrokerFixture.UniqueGroupId("sim-worker"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topics);
        var records = new List<ConsumeResult<string, byte[]>>();
        var clock = Stopwatch.StartNew();
        while (records.Count < count && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } record)
            {
                records.Add(record);
            }
        }

        consumer.Close();
        return records;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private sealed class LogCollector : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public string Text => string.Join(Environment.NewLine, _lines);

        public bool Contains(string text) => _lines.Any(l => l.Contains(text, StringComparison.Ordinal));

        public ILogger CreateLogger(string categoryName) => new Collector(_lines);

        public void Dispose()
        {
        }

        private sealed class Collector(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }
}
