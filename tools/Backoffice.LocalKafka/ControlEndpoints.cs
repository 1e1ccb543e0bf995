using System.Text.Json;
using Backoffice.LocalInfra.Kafka;
using Confluent.Kafka;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Backoffice.LocalKafka;

/// <summary>HTTP fault injection for the running cluster (see the tool's --help).</summary>
internal static partial class ControlEndpoints
{
    private const int MaxQueuedErrors = 10_000;

    public static IEndpointRouteBuilder MapControlEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", Health);

        var broker = app.MapGroup("/brokers/{id:int}");
        broker.MapPost("/down", SetDown);
        broker.MapPost("/up", SetUp);
        broker.MapPost("/rtt", SetRtt);

        app.MapPost("/errors", PushErrorsAsync);
        app.MapDelete("/errors", ClearErrors);
        app.MapPost("/topics", CreateTopicAsync);
        return app;
    }

    public sealed record ClusterStatus(string Status, string BootstrapServers, IReadOnlyList<BrokerStatus> Brokers);

    public sealed record BrokerStatus(int Id, string Address, bool Up, int RttMs);

    public sealed record ErrorInjection(string? Api, IReadOnlyList<string>? Codes, int? Count, int? Broker);

    public sealed record QueuedErrors(string Api, int? Broker, IReadOnlyList<string> Codes);

    public sealed record TopicCreation(string? Name, int? Partitions, int? ReplicationFactor);

    /// <summary><see cref="Partitions"/> is null when the topic already existed.</summary>
    public sealed record TopicStatus(string Name, int? Partitions, bool Created);

    private static Results<Ok<ClusterStatus>, JsonHttpResult<ClusterStatus>> Health(MockKafkaCluster cluster)
    {
        var brokers = cluster.Brokers.Select(ToStatus).ToList();
        var healthy = brokers.All(b => b.Up);
        var status = new ClusterStatus(healthy ? "Healthy" : "Degraded", cluster.BootstrapServers, brokers);
        return healthy ? TypedResults.Ok(status) : TypedResults.Json(status, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static Results<Ok<BrokerStatus>, NotFound> SetDown(int id, MockKafkaCluster cluster, ILogger<MockKafkaCluster> logger)
    {
        if (!cluster.BrokerIds.Contains(id))
        {
            return TypedResults.NotFound();
        }

        cluster.SetBrokerDown(id);
        Log.BrokerDown(logger, id);
        return TypedResults.Ok(ToStatus(cluster.Brokers[id - 1]));
    }

    private static Results<Ok<BrokerStatus>, NotFound> SetUp(int id, MockKafkaCluster cluster, ILogger<MockKafkaCluster> logger)
    {
        if (!cluster.BrokerIds.Contains(id))
        {
            return TypedResults.NotFound();
        }

        cluster.SetBrokerUp(id);
        Log.BrokerUp(logger, id);
        return TypedResults.Ok(ToStatus(cluster.Brokers[id - 1]));
    }

    private static Results<Ok<BrokerStatus>, NotFound, ValidationProblem> SetRtt(int id, int? ms, MockKafkaCluster cluster, ILogger<MockKafkaCluster> logger)
    {
        if (!cluster.BrokerIds.Contains(id))
        {
            return TypedResults.NotFound();
        }

        if (ms is not (>= 0 and <= 600_000))
        {
            return Invalid("ms", "ms must be a number of milliseconds from 0 to 600000.");
        }

        cluster.SetBrokerRtt(id, TimeSpan.FromMilliseconds(ms.Value));
        Log.BrokerRtt(logger, id, ms.Value);
        return TypedResults.Ok(ToStatus(cluster.Brokers[id - 1]));
    }

    private static async Task<Results<Ok<QueuedErrors>, NotFound, ValidationProblem>> PushErrorsAsync(
        HttpRequest request, MockKafkaCluster cluster, ILogger<MockKafkaCluster> logger)
    {
        if (await ReadJsonBodyAsync<ErrorInjection>(request) is not { } body)
        {
            return Invalid("body", "The body is not a JSON object like {\"api\":\"Produce\",\"codes\":[\"RequestTimedOut\"],\"count\":1}.");
        }

        var injection = body.Value ?? new ErrorInjection(
                request.Query["api"],
                request.Query["codes"].SelectMany(c => (c ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(),
                int.TryParse(request.Query["count"], out var count) ? count : request.Query.ContainsKey("count") ? -1 : null,
                int.TryParse(request.Query["broker"], out var brokerId) ? brokerId : request.Query.ContainsKey("broker") ? -1 : null);

        if (!TryParseApi(injection.Api, out var api))
        {
            return Invalid("api", $"api must be one of: {string.Join(", ", Enum.GetNames<KafkaApiKey>())}.");
        }

        var codes = new List<ErrorCode>();
        foreach (var code in injection.Codes ?? [])
        {
            if (!Enum.TryParse<ErrorCode>(code, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                return Invalid("codes", $"'{code}' is not a Kafka error code name (e.g. NotLeaderForPartition, RequestTimedOut, Local_Transport) or number.");
            }

            codes.Add(parsed);
        }

        if (codes.Count == 0)
        {
            return Invalid("codes", "codes must name at least one error code.");
        }

        var repeat = injection.Count ?? 1;
        if (repeat < 1 || (long)repeat * codes.Count > MaxQueuedErrors)
        {
            return Invalid("count", $"count must be at least 1 and count x codes at most {MaxQueuedErrors}.");
        }

        var queued = Enumerable.Repeat(codes, repeat).SelectMany(c => c).ToArray();
        if (injection.Broker is int broker)
        {
            if (!cluster.BrokerIds.Contains(broker))
            {
                return TypedResults.NotFound();
            }

            cluster.PushBrokerRequestErrors(broker, api, queued);
        }
        else
        {
            cluster.PushRequestErrors(api, queued);
        }

        Log.ErrorsQueued(logger, queued.Length, api, injection.Broker is int id ? $"broker {id}" : "every broker");
        return TypedResults.Ok(new QueuedErrors(api.ToString(), injection.Broker, queued.Select(c => c.ToString()).ToList()));
    }

    private static Results<NoContent, ValidationProblem> ClearErrors(string? api, MockKafkaCluster cluster)
    {
        if (!TryParseApi(api, out var apiKey))
        {
            return Invalid("api", $"api must be one of: {string.Join(", ", Enum.GetNames<KafkaApiKey>())}.");
        }

        cluster.ClearRequestErrors(apiKey);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created<TopicStatus>, Ok<TopicStatus>, ValidationProblem>> CreateTopicAsync(
        HttpRequest request, MockKafkaCluster cluster, ILogger<MockKafkaCluster> logger)
    {
        if (await ReadJsonBodyAsync<TopicCreation>(request) is not { } body)
        {
            return Invalid("body", "The body is not a JSON object like {\"name\":\"my.topic\",\"partitions\":3}.");
        }

        var creation = body.Value ?? new TopicCreation(
                request.Query["name"],
                int.TryParse(request.Query["partitions"], out var partitions) ? partitions : request.Query.ContainsKey("partitions") ? 0 : null,
                int.TryParse(request.Query["replicationFactor"], out var replicas) ? replicas : request.Query.ContainsKey("replicationFactor") ? 0 : null);

        var partitionCount = creation.Partitions ?? cluster.Options.DefaultPartitions;
        if (partitionCount < 1)
        {
            return Invalid("partitions", "partitions must be at least 1.");
        }

        if (creation.ReplicationFactor is int rf && (rf < 1 || rf > cluster.BrokerCount))
        {
            return Invalid("replicationFactor", $"replicationFactor must be from 1 to {cluster.BrokerCount}.");
        }

        bool created;
        try
        {
            created = cluster.CreateTopic(creation.Name ?? "", partitionCount, creation.ReplicationFactor);
        }
        catch (ArgumentException ex)
        {
            return Invalid("name", ex.Message);
        }

        var status = new TopicStatus(creation.Name!, created ? partitionCount : null, created);
        if (!created)
        {
            return TypedResults.Ok(status);
        }

        Log.TopicCreated(logger, status.Name, partitionCount);
        return TypedResults.Created($"/topics/{status.Name}", status);
    }

    /// <summary>
    /// The JSON body when the request has one (Value null when it has none, so the query string
    /// applies); null when the body is not valid JSON for <typeparamref name="T"/>.
    /// </summary>
    private static async Task<JsonBody<T>?> ReadJsonBodyAsync<T>(HttpRequest request)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return new JsonBody<T>(null);
        }

        try
        {
            return await request.ReadFromJsonAsync<T>(request.HttpContext.RequestAborted) is { } value ? new JsonBody<T>(value) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record JsonBody<T>(T? Value);

    private static bool TryParseApi(string? text, out KafkaApiKey api) =>
        Enum.TryParse(text, ignoreCase: true, out api) && Enum.IsDefined(api);

    private static BrokerStatus ToStatus(MockBroker broker) =>
        new(broker.Id, broker.Address, broker.IsUp, (int)broker.Rtt.TotalMilliseconds);

    private static ValidationProblem Invalid(string key, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [key] = [message] });

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Broker {BrokerId} is down")]
        public static partial void BrokerDown(ILogger logger, int brokerId);

        [LoggerMessage(Level = LogLevel.Information, Message = "Broker {BrokerId} is up")]
        public static partial void BrokerUp(ILogger logger, int brokerId);

        [LoggerMessage(Level = LogLevel.Information, Message = "Broker {BrokerId} RTT set to {RttMs} ms")]
        public static partial void BrokerRtt(ILogger logger, int brokerId, int rttMs);

        [LoggerMessage(Level = LogLevel.Information, Message = "Queued {Count} {Api} request errors on {Target}")]
        public static partial void ErrorsQueued(ILogger logger, int count, KafkaApiKey api, string target);

        [LoggerMessage(Level = LogLevel.Information, Message = "Created topic {Topic} with {Partitions} partitions")]
        public static partial void TopicCreated(ILogger logger, string topic, int partitions);
    }
}
