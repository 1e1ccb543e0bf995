using System.Text.Json;
using Backoffice.Tests.Infrastructure;

namespace Backoffice.Tests.AppHost;

/// <summary>
/// What <c>azd up</c> deploys: the Aspire manifest the AppHost publishes. Every resource, binding and connection
/// string is present, secrets are parameters (never literals), and nothing development-only is deployed.
/// </summary>
public sealed class DeploymentManifestTests : IAsyncLifetime
{
    private readonly string _outputDirectory = Path.Combine(Path.GetTempPath(), $"bo-manifest-{Guid.NewGuid():N}");
    private JsonElement _resources;

    public async ValueTask InitializeAsync()
    {
        var manifestPath = Path.Combine(_outputDirectory, "aspire-manifest.json");
        var appHost = DotnetProgram.ProjectOutput("Backoffice.AppHost", "Backoffice.AppHost");
        var (exitCode, output) = await DotnetProgram.RunAsync(
            appHost,
            ["--publisher", "manifest", "--output-path", manifestPath],
            new Dictionary<string, string?> { ["DOTNET_ENVIRONMENT"] = "Production" },
            TestContext.Current.CancellationToken);
        Assert.True(exitCode == 0, output);

        await using var manifest = File.OpenRead(manifestPath);
        using var document = await JsonDocument.ParseAsync(manifest, cancellationToken: TestContext.Current.CancellationToken);
        _resources = document.RootElement.GetProperty("resources").Clone();
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_outputDirectory, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public void Deploys_the_consumer_and_the_api_and_nothing_for_development_only()
    {
        var names = _resources.EnumerateObject().Select(resource => resource.Name).ToHashSet();

        Assert.Equal("project.v0", Type("sync-consumer"));
        Assert.Equal("project.v0", Type("admin-api"));
        // Applied by the azd predeploy hook; local servers and demo traffic never leave the developer's machine.
        Assert.DoesNotContain("migrations", names);
        Assert.DoesNotContain("simulator", names);
        Assert.DoesNotContain("postgres", names);
        Assert.DoesNotContain("kafka-broker", names);
    }

    [Theory]
    [InlineData("backoffice")]
    [InlineData("kafka")]
    [InlineData("eventhubs")]
    public void External_servers_are_secret_connection_string_parameters(string name)
    {
        var resource = _resources.GetProperty(name);

        Assert.Equal("parameter.v0", resource.GetProperty("type").GetString());
        Assert.Equal($"{{{name}.value}}", resource.GetProperty("connectionString").GetString());
        Assert.True(resource.GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
    }

    [Fact]
    public void The_consumer_gets_database_kafka_event_hubs_and_its_profile()
    {
        var environment = Environment("sync-consumer");

        Assert.Equal("{backoffice.connectionString}", environment["ConnectionStrings__backoffice"]);
        Assert.Equal("{kafka.connectionString}", environment["ConnectionStrings__kafka"]);
        Assert.Equal("{eventhubs.connectionString}", environment["ConnectionStrings__eventhubs"]);
        Assert.Equal("{consumer-profile.value}", environment["Consumer__Profile"]);
        var profile = _resources.GetProperty("consumer-profile").GetProperty("inputs").GetProperty("value");
        Assert.Equal("cloud-test", profile.GetProperty("default").GetProperty("value").GetString());
    }

    [Fact]
    public void The_api_is_external_requires_tokens_and_gets_a_generated_secret_cursor_key()
    {
        var environment = Environment("admin-api");
        var http = _resources.GetProperty("admin-api").GetProperty("bindings").GetProperty("http");

        Assert.True(http.GetProperty("external").GetBoolean());
        Assert.Equal("{backoffice.connectionString}", environment["ConnectionStrings__backoffice"]);
        Assert.Equal("oidc", environment["Auth__Mode"]);
        Assert.Equal("{api-oidc-authority.value}", environment["Auth__Authority"]);
        Assert.Equal("{api-oidc-audience.value}", environment["Auth__Audience"]);
        Assert.Equal("{api-cursor-key.value}", environment["Lookups__CursorKey"]);
        var cursorKey = _resources.GetProperty("api-cursor-key").GetProperty("inputs").GetProperty("value");
        Assert.True(cursorKey.GetProperty("secret").GetBoolean());
        Assert.True(cursorKey.GetProperty("default").TryGetProperty("generate", out _));
        Assert.False(environment.ContainsKey("AUTH_MODE"));
    }

    [Fact]
    public void No_secret_appears_in_plain_text()
    {
        // Environment values are either references to parameters/bindings or known, non-secret literals.
        string[] allowedLiterals = ["oidc", "true", "in_memory"];
        foreach (var resource in _resources.EnumerateObject().Where(r => r.Value.TryGetProperty("env", out _)))
        {
            foreach (var (name, value) in Environment(resource.Name))
            {
                var isReference = value.StartsWith('{') && value.EndsWith('}');
                Assert.True(
                    isReference || allowedLiterals.Contains(value),
                    $"{resource.Name}: {name} has the literal value '{value}'");
            }
        }

        var text = _resources.GetRawText();
        Assert.DoesNotContain("Password=", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SharedAccessKey", text, StringComparison.OrdinalIgnoreCase);
    }

    private string? Type(string name) => _resources.GetProperty(name).GetProperty("type").GetString();

    private Dictionary<string, string> Environment(string name) =>
        _resources.GetProperty(name).GetProperty("env").EnumerateObject()
            .ToDictionary(variable => variable.Name, variable => variable.Value.GetString() ?? "");
}
