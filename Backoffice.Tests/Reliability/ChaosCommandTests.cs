using Backoffice.Chaos.Cli;

namespace Backoffice.Tests.Reliability;

/// <summary>The reliability command refuses what it cannot run before starting anything (exit code 2, usage on stderr).</summary>
public sealed class ChaosCommandTests
{
    [Theory]
    [InlineData("A scenario is required.")]
    [InlineData("Unknown scenario 'meltdown'.", "meltdown")]
    [InlineData("Unknown option --kils for sigkill.", "sigkill", "--kils", "5")]
    [InlineData("--events must be a number, not 'many'.", "rebalance", "--events", "many")]
    [InlineData("--kills must be at least 1.", "sigkill", "--kills", "0")]
    [InlineData("Expected --option value at '--seed'.", "db-faults", "--seed")]
    [InlineData("--minutes must be at least 0.1.", "soak", "--minutes", "0")]
    public async Task A_bad_command_line_exits_2_naming_the_problem_and_printing_the_usage(string message, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exitCode = await ChaosCommand.RunAsync(args, stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(ChaosCommand.UsageError, exitCode);
        Assert.StartsWith(message, stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("Usage: dotnet run -c Release --project reliability/Backoffice.Chaos", stderr.ToString(), StringComparison.Ordinal);
        Assert.Empty(stdout.ToString());
    }

    [Fact]
    public async Task Help_lists_every_scenario()
    {
        using var stdout = new StringWriter();

        Assert.Equal(0, await ChaosCommand.RunAsync(["help"], stdout, TextWriter.Null, TestContext.Current.CancellationToken));

        Assert.All(["sigkill", "rebalance", "broker-faults", "db-faults", "soak"], scenario => Assert.Contains($"  {scenario} ", stdout.ToString(), StringComparison.Ordinal));
    }
}
