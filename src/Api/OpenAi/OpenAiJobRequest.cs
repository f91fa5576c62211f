using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Contracts.Configs;

namespace FineTune.Api.OpenAi;

/// <summary>
/// Turns the body of OpenAI's <c>POST /v1/fine_tuning/jobs</c> into a native job spec, which then goes through the
/// same parser, bounds and reference checks as <c>POST /v1/jobs</c>. <c>method</c> (only <c>supervised</c>) or the
/// legacy top-level <c>hyperparameters</c> carry n_epochs, batch_size and learning_rate_multiplier, each a number or
/// <c>auto</c> (the default). The multiplier scales the model's automatic learning rate
/// (<see cref="AutoRules.LearningRateFor"/>). FineTune's own options ride as extra fields, which the SDKs pass
/// through (<c>extra_body</c> in Python, spread into the body in Node): top-level <c>backend</c>,
/// <c>backend_options</c>, <c>lora</c>, <c>privacy</c>, <c>format</c>, <c>group_by</c>, <c>all_tokens</c>,
/// <c>chat_template</c>, and in the hyperparameters every native one but <c>learning_rate</c> (steps, max_seq_len,
/// grad_accum, ...). Anything else is a 400 naming the field.
/// </summary>
public static class OpenAiJobRequest
{
    /// <summary>The FineTune fields accepted at the top level, passed to the native spec as they are.</summary>
    public static readonly string[] ExtraFields = ["backend", "backend_options", "lora", "privacy", "format", "group_by", "all_tokens", "chat_template"];

    /// <summary>The native hyperparameters accepted beside OpenAI's three.</summary>
    public static readonly string[] ExtraHyperparameters = ["steps", "max_seq_len", "grad_accum", "lr_schedule", "warmup_ratio", "weight_decay", "max_grad_norm", "eval_every", "save_every", "save_each_epoch", "packing"];

    private static readonly string[] s_openAiFields = ["model", "training_file", "validation_file", "hyperparameters", "method", "suffix", "seed", "metadata", "integrations"];

    /// <summary>
    /// The native spec for <paramref name="body"/>, or the error to answer. <paramref name="parametersOf"/> gives a
    /// model's parameter count (null: no such model), which fixes what a learning-rate multiplier of 1 means.
    /// </summary>
    public static (JsonObject? Spec, OpenAiError? Error) ToNativeSpec(JsonElement body, Func<string, long?> parametersOf)
    {
        ArgumentNullException.ThrowIfNull(parametersOf);
        if (body.ValueKind != JsonValueKind.Object)
        {
            return Fail("the request body must be a JSON object", null);
        }
        var spec = new JsonObject();
        foreach (JsonProperty property in body.EnumerateObject())
        {
            if (!s_openAiFields.Contains(property.Name) && !ExtraFields.Contains(property.Name))
            {
                return Fail($"unknown parameter '{property.Name}'; FineTune accepts {string.Join(", ", s_openAiFields)} and its own {string.Join(", ", ExtraFields)}", property.Name, "unknown_parameter");
            }
            if (ExtraFields.Contains(property.Name) || property.Name is "model" or "seed" or "metadata" or "suffix")
            {
                if (property.Value.ValueKind != JsonValueKind.Null)
                {
                    spec[property.Name] = JsonNode.Parse(property.Value.GetRawText());
                }
            }
        }
        if (body.TryGetProperty("integrations", out JsonElement integrations) && integrations.ValueKind == JsonValueKind.Array && integrations.GetArrayLength() > 0)
        {
            return Fail("integrations are not supported by FineTune; follow a job with GET /v1/fine_tuning/jobs/{id}/events or the /hubs/jobs hub", "integrations", "unsupported_parameter");
        }
        foreach (string field in (string[])["training_file", "validation_file"])
        {
            if (body.TryGetProperty(field, out JsonElement file) && file.ValueKind != JsonValueKind.Null)
            {
                if (file.ValueKind != JsonValueKind.String)
                {
                    return Fail($"{field} must be a file id", field, "invalid_type");
                }
                // A bare UUID is a dataset ID already; anything else the native check reports as no such file.
                spec[field] = OpenAiIds.TryParse(file.GetString(), OpenAiIds.File, out Guid id) ? id.ToString() : file.GetString();
            }
        }
        (JsonElement? hyperparameters, string path, OpenAiError? methodError) = ReadMethod(body);
        if (methodError is not null)
        {
            return (null, methodError);
        }
        string model = body.TryGetProperty("model", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "";
        (JsonObject? native, OpenAiError? hyperError) = Hyperparameters(hyperparameters, path, () => parametersOf(model));
        if (hyperError is not null)
        {
            return (null, hyperError);
        }
        spec["hyperparameters"] = native;
        return (spec, null);
    }

    /// <summary>
    /// The OpenAI parameter a native field path comes from, for error messages: a native
    /// <c>hyperparameters.learning_rate</c> came from the multiplier, and hyperparameters live under <c>method</c>.
    /// </summary>
    public static string OpenAiParam(string nativeField, string hyperparametersPath)
    {
        ArgumentNullException.ThrowIfNull(nativeField);
        if (nativeField == "hyperparameters.learning_rate")
        {
            return hyperparametersPath + ".learning_rate_multiplier";
        }
        return nativeField.StartsWith("hyperparameters.", StringComparison.Ordinal)
            ? hyperparametersPath + nativeField["hyperparameters".Length..]
            : nativeField;
    }

    /// <summary>Where the request put its hyperparameters (for naming fields in errors).</summary>
    public static string HyperparametersPath(JsonElement body)
    {
        return body.ValueKind == JsonValueKind.Object && body.TryGetProperty("method", out JsonElement method) && method.ValueKind == JsonValueKind.Object
            ? "method.supervised.hyperparameters"
            : "hyperparameters";
    }

    private static (JsonElement? Hyperparameters, string Path, OpenAiError? Error) ReadMethod(JsonElement body)
    {
        JsonElement? legacy = body.TryGetProperty("hyperparameters", out JsonElement h) && h.ValueKind != JsonValueKind.Null ? h : null;
        if (!body.TryGetProperty("method", out JsonElement method) || method.ValueKind == JsonValueKind.Null)
        {
            return (legacy, "hyperparameters", null);
        }
        if (method.ValueKind != JsonValueKind.Object)
        {
            return (null, "", new OpenAiError(400, "method must be an object such as {\"type\": \"supervised\"}", "method", "invalid_type"));
        }
        string? type = method.TryGetProperty("type", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type != "supervised")
        {
            string message = type is null
                ? "method.type is required; FineTune supports 'supervised'"
                : $"method '{type}' is not supported; FineTune trains LoRA adapters with supervised fine-tuning only (method.type 'supervised')";
            return (null, "", new OpenAiError(400, message, "method.type", type is null ? "missing_required_parameter" : "unsupported_method"));
        }
        foreach (JsonProperty property in method.EnumerateObject())
        {
            if (property.Name is not ("type" or "supervised"))
            {
                return (null, "", new OpenAiError(400, $"method.{property.Name} does not apply to supervised fine-tuning", $"method.{property.Name}", "unsupported_parameter"));
            }
        }
        JsonElement? nested = null;
        if (method.TryGetProperty("supervised", out JsonElement supervised) && supervised.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in supervised.EnumerateObject())
            {
                if (property.Name != "hyperparameters")
                {
                    return (null, "", new OpenAiError(400, $"unknown parameter method.supervised.{property.Name}", $"method.supervised.{property.Name}", "unknown_parameter"));
                }
            }
            nested = supervised.TryGetProperty("hyperparameters", out JsonElement sh) && sh.ValueKind != JsonValueKind.Null ? sh : null;
        }
        if (nested is not null && legacy is not null)
        {
            return (null, "", new OpenAiError(400, "give hyperparameters in method.supervised.hyperparameters or the legacy top-level hyperparameters, not both", "hyperparameters", "invalid_request"));
        }
        return nested is not null ? (nested, "method.supervised.hyperparameters", null) : (legacy, "hyperparameters", null);
    }

    private static (JsonObject? Native, OpenAiError? Error) Hyperparameters(JsonElement? given, string path, Func<long?> parameters)
    {
        // OpenAI's default for each of its three is auto.
        var native = new JsonObject { ["n_epochs"] = "auto", ["batch_size"] = "auto", ["learning_rate"] = "auto" };
        if (given is not { } h)
        {
            return (native, null);
        }
        if (h.ValueKind != JsonValueKind.Object)
        {
            return (null, new OpenAiError(400, $"{path} must be an object", path, "invalid_type"));
        }
        foreach (JsonProperty property in h.EnumerateObject())
        {
            string field = $"{path}.{property.Name}";
            JsonElement value = property.Value;
            switch (property.Name)
            {
                case "n_epochs" or "batch_size":
                    if (!IsAuto(value) && !(value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int whole) && whole >= 1))
                    {
                        return (null, new OpenAiError(400, $"{field} must be \"auto\" or a whole number of at least 1", field, "invalid_value"));
                    }
                    native[property.Name] = JsonNode.Parse(value.GetRawText());
                    break;
                case "learning_rate_multiplier":
                    if (IsAuto(value))
                    {
                        break;
                    }
                    if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double multiplier) || !double.IsFinite(multiplier) || multiplier <= 0)
                    {
                        return (null, new OpenAiError(400, $"{field} must be \"auto\" or a number greater than 0", field, "invalid_value"));
                    }
                    if (parameters() is not long count)
                    {
                        // No such model: the native check names it.
                        break;
                    }
                    native["learning_rate"] = multiplier * AutoRules.LearningRateFor(count);
                    break;
                case var extra when ExtraHyperparameters.Contains(extra):
                    native[extra] = JsonNode.Parse(value.GetRawText());
                    break;
                default:
                    return (null, new OpenAiError(400, $"unknown parameter {field}; accepted: n_epochs, batch_size, learning_rate_multiplier and FineTune's {string.Join(", ", ExtraHyperparameters)}", field, "unknown_parameter"));
            }
        }
        if (native.ContainsKey("steps") && h.TryGetProperty("n_epochs", out _))
        {
            return (null, new OpenAiError(400, $"give {path}.steps or {path}.n_epochs, not both", $"{path}.steps", "invalid_request"));
        }
        if (native.ContainsKey("steps"))
        {
            native.Remove("n_epochs");
        }
        return (native, null);
    }

    private static bool IsAuto(JsonElement value) => value.ValueKind == JsonValueKind.String && value.GetString() == "auto";

    private static (JsonObject?, OpenAiError?) Fail(string message, string? param, string code = "invalid_request")
    {
        return (null, new OpenAiError(400, message, param, code));
    }
}
