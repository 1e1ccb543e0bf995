using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text.Json;
using Backoffice.Data.Dlq;

namespace Backoffice.SyncConsumer.Normalisation;

/// <summary>
/// Recognises Debezium change events (spec §2, shape 2) and finds the row to normalise.
/// <para>
/// An object is an <b>envelope</b> iff it has a key <c>op</c> whose value is a JSON string, and a key
/// <c>after</c> or <c>before</c>, each present one being an object or null. A <b>wrapped</b> envelope is a
/// top-level object, not itself an envelope, with a key <c>schema</c> (object or null) and a key
/// <c>payload</c> whose value is an envelope (Kafka Connect's JsonConverter with schemas enabled).
/// Anything else is a flat event: a flat event may have fields named <c>payload</c>, <c>schema</c>,
/// <c>op</c>, <c>after</c> or <c>before</c> without being misread, as long as it does not carry the
/// whole signature. Keys are matched exactly (Debezium's spelling); with a repeated key the first
/// occurrence decides the shape.
/// </para>
/// </summary>
internal static class DebeziumEnvelope
{
    /// <summary>
    /// The row to normalise: <paramref name="root"/> itself for a flat event, <c>after</c> for a Debezium upsert.
    /// False with <paramref name="rejection"/> for a delete, an unknown op, an upsert without a row, or a
    /// structural key given twice with different values.
    /// </summary>
    public static bool TryFindRow(JsonElement root, out JsonElement row, [NotNullWhen(false)] out NormalisationResult.Rejected? rejection)
    {
        rejection = null;
        row = root;
        bool wrapped;
        string? conflictingKey;
        if (TryReadEnvelope(root, out var parts))
        {
            wrapped = false;
            conflictingKey = parts.ConflictingKey;
        }
        else if (TryReadWrapper(root, out var payload, out conflictingKey) && TryReadEnvelope(payload, out parts))
        {
            wrapped = true;
            conflictingKey ??= parts.ConflictingKey;
        }
        else
        {
            return true;
        }

        if (conflictingKey is not null)
        {
            rejection = new NormalisationResult.Rejected(DlqErrorCodes.AliasConflict, DlqErrorStages.Validate,
                $"Debezium change event has the key '{conflictingKey}' more than once with different values.");
            return false;
        }

        var op = parts.Op;
        if (JsonText.StringIs(op, "c"u8) || JsonText.StringIs(op, "u"u8) || JsonText.StringIs(op, "r"u8))
        {
            if (parts.After is { ValueKind: JsonValueKind.Object } after)
            {
                row = after;
                return true;
            }

            rejection = new NormalisationResult.Rejected(DlqErrorCodes.InvalidField, DlqErrorStages.Validate,
                $"Field 'after' of a Debezium change event with op {Excerpt.Raw(op)}: expected the row as an object, found {(parts.After is { } a ? Excerpt.Describe(a) : "no 'after' key")}.");
            return false;
        }

        var meaning = JsonText.StringIs(op, "d"u8) ? " (delete): deletes are not consumed, stored data is append-only"
            : JsonText.StringIs(op, "t"u8) ? " (truncate): not consumed"
            : JsonText.StringIs(op, "m"u8) ? " (message): not consumed"
            : ", which is not a Debezium upsert (expected c, u or r)";
        rejection = new NormalisationResult.Rejected(DlqErrorCodes.UnsupportedOperation, DlqErrorStages.Validate,
            $"Debezium change event{(wrapped ? " (inside 'payload')" : "")} has op {Excerpt.Raw(op)}{meaning}.");
        return false;
    }

    private static bool TryReadEnvelope(JsonElement candidate, out EnvelopeParts parts)
    {
        parts = default;
        JsonElement? op = null, after = null, before = null;
        string? conflictingKey = null;
        foreach (var property in candidate.EnumerateObject())
        {
            if (JsonText.NameIs(property, "op"u8))
            {
                Remember(ref op, property, "op", ref conflictingKey);
            }
            else if (JsonText.NameIs(property, "after"u8))
            {
                Remember(ref after, property, "after", ref conflictingKey);
            }
            else if (JsonText.NameIs(property, "before"u8))
            {
                // Only its presence matters: it is never read.
                before ??= property.Value;
            }
        }

        if (op is not { ValueKind: JsonValueKind.String } opValue
            || (after is null && before is null)
            || after is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) }
            || before is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
        {
            return false;
        }

        parts = new EnvelopeParts(opValue, after, conflictingKey);
        return true;
    }

    private static bool TryReadWrapper(JsonElement root, out JsonElement payload, out string? conflictingKey)
    {
        payload = default;
        conflictingKey = null;
        JsonElement? schema = null, payloadValue = null;
        foreach (var property in root.EnumerateObject())
        {
            if (JsonText.NameIs(property, "payload"u8))
            {
                Remember(ref payloadValue, property, "payload", ref conflictingKey);
            }
            else if (JsonText.NameIs(property, "schema"u8))
            {
                schema ??= property.Value;
            }
        }

        if (schema is not { ValueKind: JsonValueKind.Object or JsonValueKind.Null } || payloadValue is not { ValueKind: JsonValueKind.Object } value)
        {
            return false;
        }

        payload = value;
        return true;
    }

    private static void Remember(ref JsonElement? slot, JsonProperty property, string key, ref string? conflictingKey)
    {
        if (slot is not { } first)
        {
            slot = property.Value;
        }
        else if (conflictingKey is null && !JsonMarshal.GetRawUtf8Value(first).SequenceEqual(JsonMarshal.GetRawUtf8Value(property.Value)))
        {
            conflictingKey = key;
        }
    }

    private readonly record struct EnvelopeParts(JsonElement Op, JsonElement? After, string? ConflictingKey);
}
