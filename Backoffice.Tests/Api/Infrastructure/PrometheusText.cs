using System.Globalization;

namespace Backoffice.Tests.Api.Infrastructure;

/// <summary>Reads samples out of the Prometheus text exposition the API serves on <c>/metrics</c>.</summary>
public static class PrometheusText
{
    /// <summary>The sum of every sample of <paramref name="name"/> whose labels include <paramref name="labels"/>.</summary>
    public static double Sum(string exposition, string name, params (string Name, string Value)[] labels)
    {
        var sum = 0.0;
        foreach (var (sampleName, sampleLabels, value) in Samples(exposition))
        {
            if (sampleName == name && labels.All(label => sampleLabels.TryGetValue(label.Name, out var v) && v == label.Value))
            {
                sum += value;
            }
        }

        return sum;
    }

    public static bool HasSample(string exposition, string name) => Samples(exposition).Any(sample => sample.Name == name);

    /// <summary>The <c># TYPE</c> of a metric family, e.g. <c>counter</c>, <c>gauge</c>, <c>histogram</c>.</summary>
    public static string? TypeOf(string exposition, string family) =>
        exposition.Split('\n')
            .Where(line => line.StartsWith($"# TYPE {family} ", StringComparison.Ordinal))
            .Select(line => line.Split(' ')[3].Trim())
            .FirstOrDefault();

    public static IEnumerable<(string Name, Dictionary<string, string> Labels, double Value)> Samples(string exposition)
    {
        foreach (var raw in exposition.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            string name;
            string rest;
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (brace >= 0 && brace < space)
            {
                name = line[..brace];
                var close = line.LastIndexOf('}');
                foreach (var pair in SplitLabels(line[(brace + 1)..close]))
                {
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    labels[pair[..equals]] = pair[(equals + 2)..^1];
                }

                rest = line[(close + 1)..].Trim();
            }
            else
            {
                name = line[..space];
                rest = line[(space + 1)..].Trim();
            }

            var value = rest.Split(' ')[0];
            yield return (name, labels, value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            });
        }
    }

    private static IEnumerable<string> SplitLabels(string labels)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] == '"' && (i == 0 || labels[i - 1] != '\\'))
            {
                quoted = !quoted;
            }
            else if (labels[i] == ',' && !quoted)
            {
                yield return labels[start..i];
                start = i + 1;
            }
        }

        if (start < labels.Length)
        {
            yield return labels[start..];
        }
    }
}
