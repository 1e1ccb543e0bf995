using System.Text.Json;
using Backoffice.Simulator.Cli;
using Backoffice.Simulator.Oracle;
using Backoffice.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Backoffice.Tests.Simulator;

/// <summary>The <c>generate</c> command line: exit codes, the summary on stdout and the oracle file.</summary>
public sealed class GenerateCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"bo-sim-{Guid.NewGuid():N}");

    [Fact]
    public async Task Generate_without_producing_writes_the_oracle_and_the_messages_and_exits_0()
    {
        var oraclePath = Path.Combine(_directory, "out", "oracle.json");
        var messagesPath = Path.Combine(_directory, "out", "messages.jsonl");

        var (exitCode, stdout, stderr) = await RunAsync(
            "--payments", "200", "--seed", "42", "--no-produce", "--oracle", oraclePath, "--messages", messagesPath, "--withheld-share", "0.1");

        Assert.True(exitCode == GenerateCommand.Success, stderr);
        using var summary = JsonDocument.Parse(stdout);
        var messages = summary.RootElement.GetProperty("messages").GetInt64();
        Assert.Equal(200, summary.RootElement.GetProperty("payments").GetInt64());
        Assert.Equal(0, summary.RootElement.GetProperty("produced").GetInt64());

        var oracle = await OracleFile.ReadAsync(oraclePath, TestContext.Current.CancellationToken);
        Assert.Equal(messages, oracle.Counts.Messages);
        Assert.Equal(200, oracle.PaymentOrders.Count);
        Assert.Equal(0.1, oracle.Run.Generator.WithheldShare);
        Assert.False(oracle.Run.Produced);
        Assert.All(oracle.Dlq, row => Assert.Null(row.Position));
        Assert.Equal(messages, File.ReadLines(messagesPath).LongCount());
    }

    [Theory]
    [InlineData("")]
    [InlineData("--payments 10 --events 100 --no-produce")]
    [InlineData("--payments ten --no-produce")]
    [InlineData("--payments 10 --bogus 1 --no-produce")]
    [InlineData("--payments 10 --withheld-share 1.5 --no-produce")]
    [InlineData("--payments 10 --profile staging --no-produce")]
    [InlineData("--payments 10 --rate")]
    public async Task A_usage_error_exits_2_and_prints_the_usage(string commandLine)
    {
        var (exitCode, stdout, stderr) = await RunAsync(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(GenerateCommand.UsageError, exitCode);
        Assert.Empty(stdout);
        Assert.Contains("Usage: Backoffice.Simulator generate", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Producing_without_bootstrap_servers_is_a_usage_error()
    {
        var arguments = GenerateArguments.Parse(["--payments", "10"], DateTimeOffset.UnixEpoch, _ => null, out var error);

        Assert.Null(arguments);
        Assert.Contains("--bootstrap-servers", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpaced_runs_end_their_simulated_clock_about_now_and_paced_runs_start_it_now()
    {
        var now = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

        var unpaced = GenerateArguments.Parse(["--events", "50000", "--no-produce"], now, _ => null, out _)!;
        var paced = GenerateArguments.Parse(["--payments", "10", "--rate", "100", "--no-produce"], now, _ => null, out _)!;

        var last = new Backoffice.Simulator.Traffic.TrafficGenerator(unpaced.Traffic).Generate(unpaced.StopAfterMessages).Last().At;
        Assert.InRange(last, now - TimeSpan.FromSeconds(5), now + TimeSpan.FromSeconds(10));
        Assert.Equal(now, paced.Traffic.StartTime);
        Assert.Equal(100, paced.Traffic.EventsPerSecond);
    }

    [Fact]
    public async Task The_program_runs_generate_from_the_command_line()
    {
        var oraclePath = Path.Combine(_directory, "cli-oracle.json");

        var (exitCode, output) = await DotnetProgram.RunAsync(SimulatorDll,
            ["generate", "--payments", "30", "--seed", "5", "--no-produce", "--oracle", oraclePath],
            new Dictionary<string, string?>(), TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, output);
        Assert.Contains("\"payments\":30", output, StringComparison.Ordinal);
        Assert.Equal(30, (await OracleFile.ReadAsync(oraclePath, TestContext.Current.CancellationToken)).PaymentOrders.Count);
    }

    [Fact]
    public async Task The_program_exits_2_on_a_usage_error()
    {
        var (exitCode, output) = await DotnetProgram.RunAsync(SimulatorDll, ["generate", "--payments"], new Dictionary<string, string?>(), TestContext.Current.CancellationToken);

        Assert.Equal(2, exitCode);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static string SimulatorDll => DotnetProgram.ProjectOutput(Path.Combine("tools", "Backoffice.Simulator"), "Backoffice.Simulator");

    internal static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exitCode = await GenerateCommand.RunAsync(args, stdout, stderr, NullLoggerFactory.Instance, TimeProvider.System, TestContext.Current.CancellationToken);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }
}
