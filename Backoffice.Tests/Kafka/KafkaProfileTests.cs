using Azure.Core;
using Backoffice.Kafka.Clients;
using Backoffice.Kafka.Profiles;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Backoffice.Tests.Kafka;

public sealed class KafkaProfileTests
{
    [Fact]
    public void Local_is_the_default_profile_in_Development()
    {
        var profile = Resolve(Environments.Development, ("ConnectionStrings:kafka", "localhost:9092"));

        Assert.Equal(KafkaProfiles.Local, profile.Name);
        Assert.Equal("bo.ledger-entries.v1", profile.TopicOf(KafkaStreams.Ledger));
        Assert.Equal("bo.payment-orders.v1", profile.TopicOf(KafkaStreams.PaymentOrder));
        Assert.Equal(KafkaStreams.PaymentOrder, profile.StreamOf("bo.payment-orders.v1"));
    }

    [Fact]
    public void Outside_Development_a_missing_profile_fails_naming_the_key()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(Environments.Production, ("ConnectionStrings:kafka", "b:9093")));

        Assert.Contains("Consumer:Profile is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_profile_fails_naming_the_key_and_the_value()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(Environments.Production, ("Consumer:Profile", "staging"), ("ConnectionStrings:kafka", "b:9093")));

        Assert.Contains("Consumer:Profile: unknown Kafka profile 'staging'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cloud_profiles_default_to_the_Event_Hubs_topic_names_and_topics_can_be_overridden()
    {
        var profile = Resolve(
            Environments.Production,
            ("Consumer:Profile", "cloud-secure"),
            ("Consumer:Profiles:cloud-secure:Topics:ledger", "ledger-entries-v2"),
            ("ConnectionStrings:kafka", "ns.servicebus.windows.net:9093"));

        Assert.Equal("ledger-entries-v2", profile.TopicOf(KafkaStreams.Ledger));
        Assert.Equal("payment-orders", profile.TopicOf(KafkaStreams.PaymentOrder));
    }

    [Fact]
    public void An_empty_topic_fails_naming_the_topic_key()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(
            Environments.Development,
            ("Consumer:Profiles:local:Topics:payment_order", ""),
            ("ConnectionStrings:kafka", "localhost:9092")));

        Assert.Contains("Consumer:Profiles:local:Topics:payment_order", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_streams_on_one_topic_fail_naming_both_keys()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(
            Environments.Development,
            ("Consumer:Profiles:local:Topics:payment_order", "bo.ledger-entries.v1"),
            ("ConnectionStrings:kafka", "localhost:9092")));

        Assert.Contains("Consumer:Profiles:local:Topics:ledger and Consumer:Profiles:local:Topics:payment_order", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_bootstrap_servers_fail_naming_the_connection_string()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(Environments.Development));

        Assert.Contains("ConnectionStrings:kafka", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cloud_test_requires_the_Event_Hubs_connection_string()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(
            Environments.Production, ("Consumer:Profile", "cloud-test"), ("ConnectionStrings:kafka", "ns.servicebus.windows.net:9093")));

        Assert.Contains("ConnectionStrings:eventhubs is required by the 'cloud-test' profile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cloud_test_authenticates_with_SASL_PLAIN_and_the_connection_string()
    {
        const string connectionString = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=secret";
        var profile = Resolve(
            Environments.Production,
            ("Consumer:Profile", "cloud-test"),
            ("ConnectionStrings:kafka", "ns.servicebus.windows.net:9093"),
            ("ConnectionStrings:eventhubs", connectionString));
        var config = new ConsumerConfig();

        profile.ApplyTo(config);

        Assert.Equal("ns.servicebus.windows.net:9093", config.BootstrapServers);
        Assert.Equal(SecurityProtocol.SaslSsl, config.SecurityProtocol);
        Assert.Equal(SaslMechanism.Plain, config.SaslMechanism);
        Assert.Equal("$ConnectionString", config.SaslUsername);
        Assert.Equal(connectionString, config.SaslPassword);
    }

    [Fact]
    public void Local_uses_plaintext()
    {
        var config = new ProducerConfig();

        Resolve(Environments.Development, ("ConnectionStrings:kafka", "localhost:9092")).ApplyTo(config);

        Assert.Equal(SecurityProtocol.Plaintext, config.SecurityProtocol);
    }

    [Fact]
    public async Task Cloud_secure_clients_get_an_OAuth_token_for_the_namespace_scope()
    {
        var profile = Resolve(Environments.Production, ("Consumer:Profile", "cloud-secure"), ("ConnectionStrings:kafka", "127.0.0.1:1"));
        var credential = new RecordingCredential();
        var factory = new KafkaClientFactory(profile, NullLoggerFactory.Instance, () => credential);
        var config = new ProducerConfig();

        // librdkafka asks for a token as soon as an OAUTHBEARER client starts, before any connection succeeds.
        using var producer = factory.CreateProducerBuilder<Null, string>(config).Build();
        var scopes = await credential.FirstRequest.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(SecurityProtocol.SaslSsl, config.SecurityProtocol);
        Assert.Equal(SaslMechanism.OAuthBearer, config.SaslMechanism);
        Assert.Equal(["https://127.0.0.1/.default"], scopes);
        Assert.Equal("https://ns.servicebus.windows.net/.default", Resolve(Environments.Production, ("Consumer:Profile", "cloud-secure"), ("ConnectionStrings:kafka", "ns.servicebus.windows.net:9093")).TokenScope);
    }

    private static KafkaProfile Resolve(string environment, params (string Key, string Value)[] settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .Build());
        services.AddSingleton<IHostEnvironment>(new HostingEnvironmentStub { EnvironmentName = environment });
        services.AddLogging();
        services.AddKafkaProfile("Consumer");
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<KafkaProfile>();
    }

    private sealed class HostingEnvironmentStub : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Production;
        public string ApplicationName { get; set; } = "tests";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }

    private sealed class RecordingCredential : TokenCredential
    {
        public TaskCompletionSource<string[]> FirstRequest { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            FirstRequest.TrySetResult(requestContext.Scopes);
            return new AccessToken("header.payload.signature", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
