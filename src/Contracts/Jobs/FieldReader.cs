using System.Text.Json;
using System.Text.Json.Nodes;

namespace FineTune.Contracts.Jobs;

/// <summary>Reads typed fields from a JSON object, recording an error with the field's path for each mismatch.</summary>
internal sealed class FieldReader(List<JobSpecError> errors)
{
    public void RejectUnknown(JsonElement json, string path, IReadOnlyList<string> known)
    {
        foreach (JsonProperty property in json.EnumerateObject().Where(p => !known.Contains(p.Name)))
        {
            errors.Add(new JobSpecError(path + property.Name, $"unknown field; known fields here: {string.Join(", ", known)}"));
        }
    }

    public bool IsObject(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Object)
        {
            return true;
        }
        errors.Add(new JobSpecError(path, "must be an object"));
        return false;
    }

    public string? String(JsonElement json, string name, bool required = false, string path = "")
    {
        if (!json.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add(new JobSpecError(path + name, "is required"));
            }
            return null;
        }
        if (value.ValueKind != JsonValueKind.String || value.GetString()!.Length == 0)
        {
            errors.Add(new JobSpecError(path + name, "must be a non-empty string"));
            return null;
        }
        return value.GetString();
    }

    /// <summary>
    /// A number within the field's <see cref="JobSpecBounds"/>, or null when absent or invalid (recorded). JSON allows
    /// <c>1e400</c>, which reads as infinity: every number must be finite and in range, so none reaches the queue, the
    /// trainer or the job view that could not handle it.
    /// </summary>
    public double? Number(JsonElement json, string path, string name)
    {
        if (!json.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        FieldBounds bounds = JobSpecBounds.Of(path + name);
        if (value.ValueKind != JsonValueKind.Number)
        {
            errors.Add(new JobSpecError(path + name, $"must be {bounds.Describe()}"));
            return null;
        }
        // An integer beyond what a double holds exactly would be rounded; reading it as a long first keeps it exact.
        double number = value.TryGetInt64(out long whole) ? whole : value.TryGetDouble(out double real) ? real : double.NaN;
        if (!double.IsFinite(number))
        {
            errors.Add(new JobSpecError(path + name, $"must be a finite number: {bounds.Describe()}"));
            return null;
        }
        if (!bounds.Contains(number))
        {
            errors.Add(new JobSpecError(path + name, $"must be {bounds.Describe()}; got {value.GetRawText()}"));
            return null;
        }
        return number;
    }

    /// <summary>A whole number within the field's bounds (all of which fit an <see cref="int"/>), or null.</summary>
    public int? Int(JsonElement json, string path, string name)
    {
        return Number(json, path, name) is double number ? (int)number : null;
    }

    /// <summary>A whole number within the field's bounds (seeds, steps), or null.</summary>
    public long? Long(JsonElement json, string path, string name)
    {
        return Number(json, path, name) is double number ? (long)number : null;
    }

    /// <summary>A number, or null for absent and for "auto" (reported through <paramref name="auto"/>).</summary>
    public double? NumberOrAuto(JsonElement json, string path, string name, out bool auto)
    {
        auto = json.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String && value.GetString() == "auto";
        if (auto)
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.String)
        {
            errors.Add(new JobSpecError(path + name, $"must be \"auto\" or {JobSpecBounds.Of(path + name).Describe()}"));
            return null;
        }
        return Number(json, path, name);
    }

    /// <summary>One of <paramref name="known"/> (case-insensitive), or null when absent or unknown (recorded).</summary>
    public string? Choice(JsonElement json, string name, IEnumerable<string> known, string path = "")
    {
        string? value = String(json, name, path: path);
        if (value is not null && !known.Contains(value, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(new JobSpecError(path + name, $"unknown value '{value}'; use one of {string.Join(", ", known)}"));
            return null;
        }
        return value;
    }

    public bool? Bool(JsonElement json, string path, string name)
    {
        if (!json.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            errors.Add(new JobSpecError(path + name, "must be true or false"));
            return null;
        }
        return value.GetBoolean();
    }

    public string[]? StringList(JsonElement json, string path, string name)
    {
        if (!json.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            errors.Add(new JobSpecError(path + name, "must be a string or an array of strings"));
            return null;
        }
        return value.EnumerateArray().Select(v => v.GetString()!).ToArray();
    }

    public JsonObject? Object(JsonElement json, string name)
    {
        if (!json.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return IsObject(value, name) ? JsonNode.Parse(value.GetRawText()) as JsonObject : null;
    }
}
