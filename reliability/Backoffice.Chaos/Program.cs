using Backoffice.Chaos.Cli;

return await ChaosCommand.MainAsync(args);
