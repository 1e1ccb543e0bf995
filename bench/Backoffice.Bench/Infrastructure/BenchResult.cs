using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Backoffice.Bench.Infrastructure;

/// <summary>What one benchmark reports: its figures, and each target with pass/fail.</summary>
public sealed class BenchResult
{
    public BenchResult(string benchmark)
    {
        Json["benchmark"] = benchmark;
        Json["started_at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        Json["load_average_at_start"] = MachineInfo.LoadAverage();
        Json["targets"] = Targets;
    }

    public JsonObject Json { get; } = new();

    public JsonArray Targets { get; } = [];

    public JsonNode? this[string key]
    {
        get => Json[key];
        set => Json[key] = value;
    }

    public bool AllPass => Targets.All(t => t!["pass"]!.GetValue<bool>());

    /// <summary>A target <c>value &gt;= threshold</c> (or <c>&lt;=</c> when <paramref name="atMost"/>).</summary>
    public void Target(string name, double value, double threshold, bool atMost, string unit)
    {
        var pass = !double.IsNaN(value) && (atMost ? value <= threshold : value >= threshold);
        Targets.Add(new JsonObject
        {
            ["name"] = name,
            ["value"] = Round(value),
            ["target"] = $"{(atMost ? "<=" : ">=")} {threshold.ToString(CultureInfo.InvariantCulture)} {unit}".TrimEnd(),
            ["pass"] = pass,
        });
    }

    public static JsonNode? Round(double value, int digits = 4) =>
        double.IsNaN(value) || double.IsInfinity(value) ? null : JsonValue.Create(Math.Round(value, digits));

    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
