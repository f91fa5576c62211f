namespace FineTune.Api.Tests.Infrastructure;

/// <summary>
/// Generates hostile job specs from a seeded <see cref="Random"/>: every number field set to values no job can run
/// with (1e400, NaN, wrong types), string fields set to NUL, paths, huge or foreign values, another tenant's dataset,
/// broken and non-object bodies and bad Idempotency-Keys. Every one must be refused.
/// </summary>
internal static class HostileSpecs
{
    private static readonly string[] s_numberFields =
    [
        "hyperparameters.learning_rate", "hyperparameters.batch_size", "hyperparameters.steps", "hyperparameters.n_epochs",
        "hyperparameters.max_seq_len", "hyperparameters.grad_accum", "hyperparameters.warmup_ratio", "hyperparameters.weight_decay",
        "hyperparameters.max_grad_norm", "lora.r", "lora.alpha", "lora.dropout", "seed", "privacy.target_epsilon", "privacy.delta",
    ];

    private static readonly string[] s_badNumbers = ["1e400", "-1e400", "\"NaN\"", "\"Infinity\"", "[1]", "{\"a\":1}", "true", "\"\\u0000\"", "\"ten\""];

    private static readonly string[] s_stringFields = ["model", "training_file", "validation_file", "format", "chat_template", "backend"];

    private static readonly string[] s_badStrings =
    [
        "\"\\u0000\"", "\"\\ud800\"", "123", "[\"a\"]", "{\"a\":1}", "\"../../../etc/passwd\"", "\"\\u202Eelif.lmth\"", "\"" + new string('z', 10_000) + "\"",
    ];

    public static List<HostileCase> Generate(Random random, Guid ownDataset, Guid othersDataset)
    {
        string Base(string extra) => $$"""{"model":"{{ApiFactory.ModelName}}","training_file":"{{ownDataset}}","hyperparameters":{"steps":3,"batch_size":2}{{extra}}}""";
        var cases = new List<HostileCase>();
        foreach (string field in s_numberFields)
        {
            foreach (string value in s_badNumbers)
            {
                cases.Add(HostileCase.Spec($"{field}={value}", Set(Base(""), field, value)));
            }
        }
        foreach (string field in s_stringFields)
        {
            foreach (string value in s_badStrings)
            {
                cases.Add(HostileCase.Spec($"{field}={value[..Math.Min(value.Length, 40)]}", Set(Base(""), field, value)));
            }
        }
        cases.Add(HostileCase.Spec("another tenant's training_file", Set(Base(""), "training_file", $"\"{othersDataset}\"")));
        cases.Add(HostileCase.Spec("another tenant's validation_file", Base($",\"validation_file\":\"{othersDataset}\"")));
        cases.Add(HostileCase.Spec("a random training_file", Set(Base(""), "training_file", $"\"{Guid.NewGuid()}\"")));
        cases.Add(HostileCase.Spec("unknown field", Base(",\"sneaky\":1")));
        cases.Add(HostileCase.Spec("metadata not an object", Base(",\"metadata\":\"x\"")));
        cases.Add(HostileCase.Spec("metadata value not a string", Base(",\"metadata\":{\"k\":{\"deep\":1}}")));
        cases.Add(HostileCase.Spec("lone surrogate in a metadata key", Base(",\"metadata\":{\"\\udc00\":\"v\"}")));
        cases.Add(HostileCase.Spec("lora.target_modules not a list", Base(",\"lora\":{\"target_modules\":7}")));
        cases.Add(HostileCase.Spec("array body", "[]"));
        cases.Add(HostileCase.Spec("number body", "42"));
        cases.Add(HostileCase.Spec("null body", "null"));
        cases.Add(HostileCase.Spec("string body", "\"job\""));
        cases.Add(HostileCase.Spec("empty body", ""));
        cases.Add(HostileCase.Spec("NaN literal", Base(",\"seed\":NaN")));
        cases.Add(HostileCase.Spec("invalid key, valid spec otherwise", Base(""), new string('k', 300)));
        cases.Add(HostileCase.Spec("control character in key", Base(""), "key\u0001"));
        cases.Add(HostileCase.Spec("valid key, invalid spec", Set(Base(""), "lora.r", "1e9"), "a-valid-key"));
        string valid = Base("");
        for (int i = 0; i < 15; i++)
        {
            int cut = random.Next(1, valid.Length - 1);
            cases.Add(HostileCase.Spec($"truncated at {cut}", valid[..cut]));
        }
        return cases;
    }

    // Sets a dotted field of a spec by text surgery, creating its object when the spec has none.
    private static string Set(string spec, string field, string value)
    {
        string[] parts = field.Split('.');
        if (parts.Length == 1)
        {
            string key = $"\"{parts[0]}\":";
            int at = spec.IndexOf(key, StringComparison.Ordinal);
            if (at < 0)
            {
                return spec[..^1] + $",{key}{value}}}";
            }
            int end = at + key.Length;
            int close = spec[end] == '"' ? spec.IndexOf('"', end + 1) + 1 : spec.IndexOfAny([',', '}'], end);
            return spec[..end] + value + spec[close..];
        }
        string objectKey = $"\"{parts[0]}\":{{";
        int objectAt = spec.IndexOf(objectKey, StringComparison.Ordinal);
        if (objectAt < 0)
        {
            return spec[..^1] + $",\"{parts[0]}\":{{\"{parts[1]}\":{value}}}}}";
        }
        int inside = objectAt + objectKey.Length;
        int objectEnd = spec.IndexOf('}', inside);
        string innerKey = $"\"{parts[1]}\":";
        int existing = spec.IndexOf(innerKey, inside, StringComparison.Ordinal);
        if (existing >= 0 && existing < objectEnd)
        {
            // Replace the value in place: a duplicate key would leave which one counts to the parser.
            int valueAt = existing + innerKey.Length;
            return spec[..valueAt] + value + spec[spec.IndexOfAny([',', '}'], valueAt)..];
        }
        return spec[..inside] + $"{innerKey}{value}," + spec[inside..];
    }
}
