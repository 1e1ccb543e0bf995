using System.Globalization;

namespace Backoffice.Chaos.Soak;

/// <summary>
/// The samples of one <c>/metrics</c> scrape (Prometheus text exposition), enough to sum counters
/// and read histogram buckets. Label values here never contain escaped quotes or commas.
/// </summary>
public sealed class PrometheusSamples
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    public PrometheusSamples(string exposition)
    {
        ArgumentNullException.ThrowIfNull(exposition);
        foreach (var raw in exposition.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            string name;
            string rest;
            if (brace >= 0 && brace < space)
            {
                name = line[..brace];
                var close = line.IndexOf('}', brace);
                foreach (var pair in line[(brace + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    labels[pair[..equals].Trim()] = pair[(equals + 1)..].Trim().Trim('"');
                }

                rest = line[(close + 1)..].Trim();
            }
            else
            {
                name = line[..space];
                rest = line[(space + 1)..].Trim();
            }

            // The value, possibly followed by a timestamp.
            var valueText = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            var value = valueText switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                _ => double.Parse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            _samples.Add((name, labels, value));
        }
    }

    /// <summary>The sum of every sample named <paramref name="name"/>.</summary>
    public double Sum(string name) => _samples.Where(s => s.Name == name).Sum(s => s.Value);

    /// <summary>Cumulative bucket counts of histogram <paramref name="family"/>, summed over every other label, by upper bound.</summary>
    public SortedDictionary<double, double> Buckets(string family)
    {
        var buckets = new SortedDictionary<double, double>();
        foreach (var (name, labels, value) in _samples)
        {
            if (name == family + "_bucket" && labels.TryGetValue("le", out var le))
            {
                var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, NumberStyles.Float, CultureInfo.InvariantCulture);
                buckets[bound] = buckets.GetValueOrDefault(bound) + value;
            }
        }

        return buckets;
    }

    /// <summary>
    /// The <paramref name="quantile"/> of the observations between two scrapes of a cumulative
    /// histogram, interpolated linearly inside its bucket as Prometheus' <c>histogram_quantile</c>
    /// does. Null when nothing was observed in between; the largest finite bound when it falls in +Inf.
    /// </summary>
    public static double? Quantile(double quantile, SortedDictionary<double, double> before, SortedDictionary<double, double> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var window = after.Select(b => (Bound: b.Key, Count: b.Value - before.GetValueOrDefault(b.Key))).ToList();
        var total = window.Count > 0 ? window[^1].Count : 0;
        if (total <= 0)
        {
            return null;
        }

        var rank = quantile * total;
        var lowerBound = 0.0;
        var lowerCount = 0.0;
        foreach (var (bound, count) in window)
        {
            if (count >= rank)
            {
                if (double.IsPositiveInfinity(bound))
                {
                    return lowerBound;
                }

                return count == lowerCount ? bound : lowerBound + ((bound - lowerBound) * (rank - lowerCount) / (count - lowerCount));
            }

            lowerBound = bound;
            lowerCount = count;
        }

        return lowerBound;
    }
}
