using System.ComponentModel.DataAnnotations;
using Backoffice.Simulator.Producing;
using Backoffice.Simulator.Traffic;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;

namespace Backoffice.Simulator.Continuous;

public static class SimulatorHosting
{
    /// <summary>The long-running simulator: options, topics, an idempotent producer, the worker and its trace source.</summary>
    public static IHostApplicationBuilder AddSimulator(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<SimulatorOptions>().BindConfiguration(SimulatorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TrafficOptions>().BindConfiguration(SimulatorOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TrafficOptions>, TrafficOptionsValidator>();
        services.AddSingleton(sp => ResolveTopics(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IOptions<SimulatorOptions>>().Value));
        services.AddSingleton(sp =>
        {
            var bootstrap = sp.GetRequiredService<IConfiguration>().GetConnectionString("kafka");
            if (string.IsNullOrWhiteSpace(bootstrap))
            {
                throw new InvalidOperationException("ConnectionStrings:kafka (the Kafka bootstrap servers) is required.");
            }

            var config = new ProducerConfig { BootstrapServers = bootstrap };
            SimulatorKafka.ApplyProducerDefaults(config, bulk: false);
            return SimulatorKafka.CreateProducer(config, sp.GetRequiredService<ILoggerFactory>());
        });
        services.AddSingleton(TimeProvider.System);
        services.AddHostedService<SimulatorWorker>();
        services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(SimulatorTelemetry.ActivitySourceName));
        return builder;
    }

    /// <summary>The topics of <c>Simulator:Profile</c> (else <c>Consumer:Profile</c>, else <c>local</c>), with the same overrides the consumer honours.</summary>
    public static SimulatorTopics ResolveTopics(IConfiguration configuration, SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        var profile = options.Profile ?? configuration["Consumer:Profile"] ?? "local";
        SimulatorTopics defaults;
        try
        {
            defaults = SimulatorTopics.ForProfile(profile);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new InvalidOperationException($"Simulator:Profile (or Consumer:Profile): unknown Kafka profile '{profile}' (expected local, cloud-test or cloud-secure).");
        }

        string Topic(string stream, string fallback) =>
            configuration[$"Simulator:Profiles:{profile}:Topics:{stream}"] ?? configuration[$"Consumer:Profiles:{profile}:Topics:{stream}"] ?? fallback;

        return new SimulatorTopics(Topic("ledger", defaults.Ledger), Topic("payment_order", defaults.PaymentOrder));
    }

    /// <summary>Names the key of a traffic option that is out of range.</summary>
    private sealed class TrafficOptionsValidator : IValidateOptions<TrafficOptions>
    {
        public ValidateOptionsResult Validate(string? name, TrafficOptions options)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            {
                return ValidateOptionsResult.Fail(results.Select(r => $"{SimulatorOptions.SectionName}:{string.Join(',', r.MemberNames)}: {r.ErrorMessage}"));
            }

            try
            {
                options.Validate();
                return ValidateOptionsResult.Success;
            }
            catch (ValidationException ex)
            {
                return ValidateOptionsResult.Fail($"{SimulatorOptions.SectionName}: {ex.Message}");
            }
        }
    }
}
