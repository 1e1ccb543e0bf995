using System.Text;

namespace Backoffice.Data.Sync;

/// <summary>
/// A message's JSON exactly as the producer sent it: UTF-8 the normaliser has already validated,
/// without a byte order mark. It stays the received bytes all the way to PostgreSQL (text, cast to
/// <c>jsonb</c> there) because decoding it into a string and encoding it back cost the consumer
/// ≈ 1 KiB of allocation and two passes over the payload per event (docs/benchmarks.md, "Ingest,
/// 2026-12-07, the raw payload"). Equal when the bytes are equal.
/// </summary>
public readonly struct RawJson(ReadOnlyMemory<byte> utf8) : IEquatable<RawJson>
{
    public ReadOnlyMemory<byte> Utf8 { get; } = utf8;

    public static RawJson FromText(string json) => new(Encoding.UTF8.GetBytes(json));

    public static bool operator ==(RawJson left, RawJson right) => left.Equals(right);

    public static bool operator !=(RawJson left, RawJson right) => !left.Equals(right);

    public bool Equals(RawJson other) => Utf8.Span.SequenceEqual(other.Utf8.Span);

    public override bool Equals(object? obj) => obj is RawJson other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Utf8.Span);
        return hash.ToHashCode();
    }

    /// <summary>The JSON text (decoded on each call: for tests, logs and diagnostics, not the write path).</summary>
    public override string ToString() => Encoding.UTF8.GetString(Utf8.Span);
}
