using Backoffice.Simulator.Cli;
using Backoffice.Simulator.Continuous;

// `generate …` runs a fixed amount of traffic and exits; without a verb this is the long-running
// Aspire resource that produces until stopped.
switch (args)
{
    case ["generate", .. var rest]:
        return await GenerateCommand.MainAsync(rest);
    case ["help" or "--help" or "-h", ..]:
        Console.WriteLine(GenerateArguments.Usage);
        Console.WriteLine("Without a verb the simulator runs as a service (configuration section Simulator) until stopped.");
        return 0;
}

var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults();
builder.AddSimulator();
await builder.Build().RunAsync();
return 0;
