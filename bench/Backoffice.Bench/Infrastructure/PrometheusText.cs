using System.Globalization;

namespace Backoffice.Bench.Infrastructure;

/// <summary>One sample of the Prometheus text exposition format.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A cumulative histogram: upper bounds (the last is +Inf) and cumulative counts.</summary>
public sealed record Histogram(IReadOnlyList<double> UpperBounds, IReadOnlyList<double> CumulativeCounts)
{
    public double Count => CumulativeCounts.Count == 0 ? 0 : CumulativeCounts[^1];

    /// <summary>This histogram minus an earlier scrape of it (what <c>increase()</c> does over a window).</summary>
    public Histogram Minus(Histogram earlier) =>
        new(UpperBounds, CumulativeCounts.Select((c, i) => c - (i < earlier.CumulativeCounts.Count ? earlier.CumulativeCounts[i] : 0)).ToList());

    /// <summary>Fraction of observations at or below <paramref name="bound"/>, which must be a bucket bound (exact, no interpolation).</summary>
    public double FractionAtOrBelow(double bound)
    {
        var index = UpperBounds.ToList().IndexOf(bound);
        return index < 0
            ? throw new ArgumentException($"{bound} is not a bucket bound ({string.Join(", ", UpperBounds)}).", nameof(bound))
            : Count == 0 ? 0 : CumulativeCounts[index] / Count;
    }

    /// <summary>
    /// Prometheus' <c>histogram_quantile</c>: the bucket holding the rank, linear interpolation inside
    /// it (lower bound 0 for the first bucket); a rank in the +Inf bucket returns the highest finite bound.
    /// </summary>
    public double Quantile(double q)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = q * Count;
        for (var i = 0; i < UpperBounds.Count; i++)
        {
            if (CumulativeCounts[i] >= rank)
            {
                if (double.IsPositiveInfinity(UpperBounds[i]))
                {
                    return UpperBounds[i - 1];
                }

                var lower = i == 0 ? 0 : UpperBounds[i - 1];
                var below = i == 0 ? 0 : CumulativeCounts[i - 1];
                var inBucket = CumulativeCounts[i] - below;
                return inBucket == 0 ? UpperBounds[i] : lower + ((UpperBounds[i] - lower) * (rank - below) / inBucket);
            }
        }

        return UpperBounds[^1];
    }
}

public static class PrometheusText
{
    public static IReadOnlyList<PrometheusSample> Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            string name;
            string rest;
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (brace >= 0 && (space < 0 || brace < space))
            {
                name = line[..brace];
                var close = line.LastIndexOf('}');
                ParseLabels(line[(brace + 1)..close], labels);
                rest = line[(close + 1)..].Trim();
            }
            else
            {
                name = line[..space];
                rest = line[(space + 1)..].Trim();
            }

            var valueText = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            samples.Add(new PrometheusSample(name, labels, ParseValue(valueText)));
        }

        return samples;
    }

    /// <summary>Sum of a counter (or gauge) over the series matching <paramref name="filter"/>.</summary>
    public static double Sum(IEnumerable<PrometheusSample> samples, string name, Func<IReadOnlyDictionary<string, string>, bool>? filter = null) =>
        samples.Where(s => s.Name == name && (filter?.Invoke(s.Labels) ?? true)).Sum(s => s.Value);

    /// <summary>The histogram <paramref name="name"/> summed over all its series (e.g. both streams).</summary>
    public static Histogram Histogram(IEnumerable<PrometheusSample> samples, string name)
    {
        var byBound = samples
            .Where(s => s.Name == name + "_bucket")
            .GroupBy(s => ParseValue(s.Labels["le"]))
            .OrderBy(g => g.Key)
            .ToList();
        return new Histogram(byBound.Select(g => g.Key).ToList(), byBound.Select(g => g.Sum(s => s.Value)).ToList());
    }

    private static void ParseLabels(string text, Dictionary<string, string> labels)
    {
        var i = 0;
        while (i < text.Length)
        {
            var equals = text.IndexOf('=', i);
            if (equals < 0)
            {
                break;
            }

            var key = text[i..equals].Trim().TrimStart(',').Trim();
            var start = text.IndexOf('"', equals) + 1;
            var value = new System.Text.StringBuilder();
            var j = start;
            for (; j < text.Length && text[j] != '"'; j++)
            {
                if (text[j] == '\\' && j + 1 < text.Length)
                {
                    j++;
                    value.Append(text[j] == 'n' ? '\n' : text[j]);
                }
                else
                {
                    value.Append(text[j]);
                }
            }

            labels[key] = value.ToString();
            i = j + 1;
        }
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
