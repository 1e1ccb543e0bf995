using System.Diagnostics;
using System.Net;
using Backoffice.Tests.Infrastructure;
using Confluent.Kafka;

namespace Backoffice.Tests.LocalKafka;

/// <summary>The Backoffice.LocalKafka command-line tool, run as the AppHost and developers run it.</summary>
public sealed class LocalKafkaToolTests
{
    private const string ReadyLinePrefix = "Kafka-protocol broker listening on ";
    private static readonly string ToolPath = ToolBuildOutput();

    [Fact(Timeout = KafkaTestClients.TestTimeoutMs)]
    public async Task The_tool_serves_clients_on_its_port_obeys_the_control_endpoint_and_exits_cleanly_on_SIGTERM()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("SIGTERM is a POSIX signal.");
        }

        var cancellationToken = TestContext.Current.CancellationToken;
        var port = FreePortRange.Find(2);
        var bootstrap = $"127.0.0.1:{port}";
        var topic = KafkaBrokerFixture.UniqueTopic("tool");
        using var tool = StartTool("--port", $"{port}", "--control-port", $"{port + 1}", "--topics", topic);
        try
        {
            var readyLine = await tool.ReadyLine.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            Assert.Equal($"{ReadyLinePrefix}{bootstrap}", readyLine);
            using var control = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port + 1}") };

            using var producer = KafkaTestClients.Producer(KafkaTestClients.IdempotentProducerConfig(bootstrap));
            var probeConfig = KafkaTestClients.IdempotentProducerConfig(bootstrap);
            probeConfig.MessageTimeoutMs = 1500;
            using var probe = KafkaTestClients.Producer(probeConfig);
            await producer.ProduceAsync(topic, Message("before"), cancellationToken);
            await probe.ProduceAsync(topic, Message("probe"), cancellationToken);
            Assert.Equal(HttpStatusCode.OK, (await control.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken)).StatusCode);

            Assert.Equal(HttpStatusCode.OK, (await control.PostAsync(new Uri("/brokers/1/down", UriKind.Relative), null, cancellationToken)).StatusCode);
            var outage = await Assert.ThrowsAsync<ProduceException<string, string>>(() => probe.ProduceAsync(topic, Message("while-down"), cancellationToken));
            var healthWhileDown = (await control.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken)).StatusCode;
            Assert.Equal(HttpStatusCode.OK, (await control.PostAsync(new Uri("/brokers/1/up", UriKind.Relative), null, cancellationToken)).StatusCode);
            await producer.ProduceAsync(topic, Message("after"), cancellationToken);

            Assert.Equal(ErrorCode.Local_MsgTimedOut, outage.Error.Code);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, healthWhileDown);
            var consumerConfig = KafkaTestClients.GroupConsumerConfig(bootstrap, KafkaBrokerFixture.UniqueGroupId("tool"));
            using (var consumer = KafkaTestClients.Consumer(consumerConfig))
            {
                consumer.Subscribe(topic);
                var received = KafkaTestClients.Consume(consumer, 3, TimeSpan.FromSeconds(20)).Select(r => r.Message.Value);
                Assert.Equal(["after", "before", "probe"], received.Order());
                consumer.Close();
            }

            var clock = Stopwatch.StartNew();
            await SendSigtermAsync(tool.Process, cancellationToken);
            await tool.Process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            Assert.Equal(0, tool.Process.ExitCode);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"The tool took {clock.Elapsed} to stop.");
        }
        finally
        {
            tool.Stop();
        }
    }

    [Fact(Timeout = KafkaTestClients.TestTimeoutMs)]
    public async Task Bad_arguments_print_the_usage_and_exit_with_code_2()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var tool = StartTool("--brokers", "0");
        try
        {
            await tool.Process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);

            Assert.Equal(2, tool.Process.ExitCode);
            Assert.Contains("--brokers must be a whole number from 1 to 16", tool.Errors, StringComparison.Ordinal);
            Assert.Contains("Usage: Backoffice.LocalKafka", tool.Errors, StringComparison.Ordinal);
        }
        finally
        {
            tool.Stop();
        }
    }

    private static Message<string, string> Message(string value) => new() { Key = value, Value = value };

    private static RunningTool StartTool(params string[] args)
    {
        Assert.True(File.Exists(ToolPath), $"{ToolPath} is missing: the test project's reference to Backoffice.LocalKafka builds it.");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ToolPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The tool reads LOCALKAFKA_* too; keep the developer's environment out of the test.
        foreach (var variable in start.Environment.Keys.Where(k => k.StartsWith("LOCALKAFKA_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(variable);
        }

        return new RunningTool(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start."));
    }

    /// <summary>
    /// The tool's own build output, as the AppHost runs it: tests run from
    /// Backoffice.Tests/bin/&lt;Configuration&gt;/&lt;tfm&gt;/ and the tool is built beside its project.
    /// </summary>
    private static string ToolBuildOutput()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return RepositoryPaths.Combine("tools", "Backoffice.LocalKafka", "bin", testOutput.Parent!.Name, testOutput.Name, "Backoffice.LocalKafka.dll");
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath!
        : "dotnet";

    private static async Task SendSigtermAsync(Process process, CancellationToken cancellationToken)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", $"{process.Id}"]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("kill did not start.");
        await kill.WaitForExitAsync(cancellationToken);
        Assert.Equal(0, kill.ExitCode);
    }

    private sealed class RunningTool : IDisposable
    {
        private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly System.Text.StringBuilder _errors = new();

        public RunningTool(Process process)
        {
            Process = process;
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data?.StartsWith(ReadyLinePrefix, StringComparison.Ordinal) == true)
                {
                    _ready.TrySetResult(e.Data);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                lock (_errors)
                {
                    _errors.AppendLine(e.Data);
                }
            };
            process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException($"The tool exited before it was ready: {Errors}"));
            process.EnableRaisingEvents = true;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public Task<string> ReadyLine => _ready.Task;

        public string Errors
        {
            get
            {
                lock (_errors)
                {
                    return _errors.ToString();
                }
            }
        }

        public void Stop()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }
        }

        public void Dispose() => Process.Dispose();
    }
}
