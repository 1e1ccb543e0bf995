using Backoffice.Kafka.Clients;
using Backoffice.Kafka.Health;
using Backoffice.Kafka.Profiles;
using Backoffice.Tests.Infrastructure;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Backoffice.Tests.Kafka;

/// <summary>The DI registration shared by the consumer and the simulator, against the local broker.</summary>
public sealed class KafkaClientRegistrationTests(KafkaBrokerFixture kafka)
{
    [Fact]
    public async Task A_registered_producer_publishes_to_the_topic_the_profile_maps_the_stream_to()
    {
        var topic = await kafka.CreateTopicAsync("registered", partitions: 1);
        await using var provider = Services(kafka.BootstrapServers, ("Simulator:Profiles:local:Topics:ledger", topic)).AddKafkaProducer<string, string>().BuildServiceProvider();
        var profile = provider.GetRequiredService<KafkaProfile>();
        var producer = provider.GetRequiredService<IProducer<string, string>>();

        var delivery = await producer.ProduceAsync(profile.TopicOf(KafkaStreams.Ledger), new Message<string, string> { Key = "tx-1", Value = "{}" }, TestContext.Current.CancellationToken);

        Assert.Equal(topic, delivery.Topic);
        using var consumer = provider.GetRequiredService<KafkaClientFactory>()
            .CreateConsumerBuilder<string, string>(new ConsumerConfig { GroupId = KafkaBrokerFixture.UniqueGroupId("check"), AutoOffsetReset = AutoOffsetReset.Earliest })
            .Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var record = consumer.Consume(TimeSpan.FromSeconds(10));
        Assert.Equal(("tx-1", "{}"), (record?.Message.Key, record?.Message.Value));
    }

    [Fact]
    public async Task The_health_check_is_healthy_while_the_broker_answers_and_reuses_its_answer_for_a_few_seconds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var provider = Services(kafka.BootstrapServers).AddSingleton<TimeProvider>(time).BuildServiceProvider();
        using var check = new KafkaHealthCheck(provider.GetRequiredService<KafkaClientFactory>(), time);

        var first = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
        var cached = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Healthy, first.Status);
        Assert.Same(first.Description, cached.Description);
        time.Advance(KafkaHealthCheck.CacheFor);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken)).Status);
    }

    [Fact]
    public async Task The_health_check_is_unhealthy_when_no_broker_answers()
    {
        await using var provider = Services("127.0.0.1:1").BuildServiceProvider();
        using var check = new KafkaHealthCheck(provider.GetRequiredService<KafkaClientFactory>(), TimeProvider.System);

        var result = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.StartsWith("Kafka metadata request failed", result.Description, StringComparison.Ordinal);
    }

    private static ServiceCollection Services(string bootstrapServers, params (string Key, string Value)[] settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection([KeyValuePair.Create("ConnectionStrings:kafka", (string?)bootstrapServers), .. settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))])
            .Build());
        services.AddSingleton<IHostEnvironment>(new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = Environments.Development });
        services.AddLogging();
        services.AddKafkaProfile("Simulator");
        return services;
    }
}
