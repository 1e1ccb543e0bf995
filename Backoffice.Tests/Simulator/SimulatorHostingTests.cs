using Backoffice.Simulator.Continuous;
using Backoffice.Simulator.Producing;
using Backoffice.Simulator.Traffic;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Backoffice.Tests.Simulator;

/// <summary>Resource-mode configuration: where the simulator writes and how its settings are validated.</summary>
public sealed class SimulatorHostingTests
{
    [Fact]
    public void Without_settings_of_its_own_the_simulator_writes_where_the_consumer_reads()
    {
        var topics = Topics(new()
        {
            ["Consumer:Profile"] = "cloud-test",
            ["Consumer:Profiles:cloud-test:Topics:ledger"] = "ledger-entries-canary",
            ["ConnectionStrings:eventhubs"] = "Endpoint=sb://bo-test.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=x",
        });

        Assert.Equal(new SimulatorTopics("ledger-entries-canary", "payment-orders"), topics);
    }

    [Fact]
    public void The_simulators_own_profile_and_topics_win()
    {
        var topics = Topics(new()
        {
            ["Consumer:Profile"] = "cloud-test",
            ["Simulator:Profile"] = "local",
            ["Simulator:Profiles:local:Topics:payment_order"] = "orders-under-test",
        });

        Assert.Equal(new SimulatorTopics("bo.ledger-entries.v1", "orders-under-test"), topics);
    }

    [Fact]
    public void The_local_profile_is_the_default_in_development()
    {
        Assert.Equal(new SimulatorTopics("bo.ledger-entries.v1", "bo.payment-orders.v1"), Topics([]));
    }

    [Fact]
    public void An_unknown_profile_fails_start_up_naming_the_key()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Topics(new() { ["Simulator:Profile"] = "staging" }));

        Assert.Contains("Simulator:Profile", error.Message, StringComparison.Ordinal);
        Assert.Contains("staging", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_bootstrap_servers_fail_start_up_naming_the_connection_string()
    {
        using var host = Build([], bootstrapServers: null);

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<SimulatorTopics>());

        Assert.Contains("ConnectionStrings:kafka", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Traffic_settings_bind_from_the_simulator_section()
    {
        using var host = Build(new() { ["Simulator:EventsPerSecond"] = "50", ["Simulator:Seed"] = "7", ["Simulator:WithheldShare"] = "0.2" });

        var traffic = host.Services.GetRequiredService<IOptions<TrafficOptions>>().Value;

        Assert.Equal((50.0, 7L, 0.2), (traffic.EventsPerSecond, traffic.Seed, traffic.WithheldShare));
    }

    [Fact]
    public void An_out_of_range_share_fails_start_up_naming_the_setting()
    {
        using var host = Build(new() { ["Simulator:WithheldShare"] = "0.7", ["Simulator:RollbackShare"] = "0.5" });

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<TrafficOptions>>().Value);

        Assert.Contains("WithheldShare", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_share_above_one_fails_start_up_naming_the_key()
    {
        using var host = Build(new() { ["Simulator:DuplicateShare"] = "1.5" });

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<TrafficOptions>>().Value);

        Assert.Contains("Simulator:DuplicateShare", error.Message, StringComparison.Ordinal);
    }

    private static SimulatorTopics Topics(Dictionary<string, string?> settings)
    {
        using var host = Build(settings);
        return host.Services.GetRequiredService<SimulatorTopics>();
    }

    private static IHost Build(Dictionary<string, string?> settings, string? bootstrapServers = "127.0.0.1:9")
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:kafka", bootstrapServers)]);
        builder.AddSimulator();
        return builder.Build();
    }
}
