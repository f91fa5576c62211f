using System.Text.Json;
using System.Text.Json.Nodes;

namespace FineTune.Contracts.Jobs;

/// <summary>
/// The stored form of a job spec: the API parses the client's JSON once, at submit (<see cref="JobSpecParser"/>), and
/// stores the resolved <see cref="JobSpec"/> written here; the worker and the job views read it back with
/// <see cref="ReadStored"/>, a plain typed round trip with no second validation. Every field is written, defaults
/// included; an <c>auto</c> hyperparameter stays auto (its <c>auto_*</c> flag), since only the worker's device can
/// resolve it. The form is marked <c>"spec_version": 2</c>; a row stored before it (the client's JSON as sent) has no
/// such field and is read by the parser, as it always was.
/// </summary>
public static class JobSpecJson
{
    /// <summary>The field that marks the resolved form.</summary>
    public const string VersionField = "spec_version";

    /// <summary>The version of the resolved form this code writes and reads.</summary>
    public const int Version = 2;

    // snake_case like the client's spec, so a row's "model", "suffix", "training_file" and "validation_file" read the
    // same in SQL (dataset_delete.sql) and in code; computed properties (LoraConfig.Scaling) are not state.
    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        IgnoreReadOnlyProperties = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The resolved form of <paramref name="spec"/>, as stored in <c>job.spec</c>.</summary>
    public static string Write(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        JsonObject json = JsonSerializer.SerializeToNode(spec, s_options)!.AsObject();
        json.Insert(0, VersionField, Version);
        return json.ToJsonString();
    }

    /// <summary>Whether <paramref name="json"/> is the resolved form (it carries <see cref="VersionField"/>).</summary>
    public static bool IsResolved(JsonElement json)
    {
        return json.ValueKind == JsonValueKind.Object && json.TryGetProperty(VersionField, out _);
    }

    /// <summary>
    /// Reads the resolved form back into the spec it was written from; throws <see cref="JsonException"/> when it is not
    /// that form (another version, a missing or unknown field, a wrong type).
    /// </summary>
    public static JobSpec Read(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty(VersionField, out JsonElement version))
        {
            throw new JsonException($"a resolved job spec is a JSON object with \"{VersionField}\"");
        }
        if (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out int number) || number != Version)
        {
            throw new JsonException($"{VersionField} {version.GetRawText()} is not one this service reads (it reads {Version})");
        }
        JsonObject fields = JsonObject.Create(json)!;
        fields.Remove(VersionField);
        return fields.Deserialize<JobSpec>(s_options) ?? throw new JsonException("a resolved job spec cannot be null");
    }

    /// <summary>
    /// The spec of a stored job: the resolved form read as written, or, for a row stored before it (the client's JSON),
    /// parsed as at submit. Returns null with the errors when neither reads.
    /// </summary>
    public static (JobSpec? Spec, IReadOnlyList<JobSpecError> Errors) ReadStored(JsonElement json)
    {
        if (!IsResolved(json))
        {
            return JobSpecParser.Parse(json);
        }
        try
        {
            return (Read(json), []);
        }
        catch (JsonException exception)
        {
            return (null, [new JobSpecError(VersionField, $"the stored resolved spec does not read: {exception.Message}")]);
        }
    }
}
