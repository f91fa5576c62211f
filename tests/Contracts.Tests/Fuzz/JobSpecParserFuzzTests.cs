using System.Text;
using System.Text.Json;
using CsCheck;
using FineTune.Contracts.Jobs;

namespace FineTune.Contracts.Tests.Fuzz;

/// <summary>
/// Property tests of <see cref="JobSpecParser"/>: on any JSON it returns a spec or errors naming fields, never
/// throws, and never returns both; what it accepts re-parses to the same verdict, and its stored form reads back as it.
/// </summary>
public sealed class JobSpecParserFuzzTests
{
    private static readonly string[] s_fields =
    [
        "model", "training_file", "validation_file", "backend", "backend_options", "hyperparameters", "lora", "privacy", "seed",
        "metadata", "format", "group_by", "all_tokens", "chat_template", "n_epochs", "steps", "batch_size", "learning_rate",
        "grad_accum", "max_seq_len", "lr_schedule", "warmup_ratio", "weight_decay", "max_grad_norm", "eval_every", "save_every",
        "packing", "r", "alpha", "dropout", "target_modules", "use_rslora", "target_epsilon", "delta", "noise_multiplier",
        "accountant", "expected_batch_size", "entity_column", "dtype", "device_index", "memory_fraction", "unknown",
    ];

    private static readonly string[] s_scalars =
    [
        "0", "1", "-1", "3", "0.5", "1e-4", "1e400", "-1e400", "1e18", "9223372036854775808", "2147483648", "0.000001", "true", "false",
        "null", "\"\"", "\"auto\"", "\"NaN\"", "\"Infinity\"", "\"libtorch-cpu\"", "\"libtorch-cuda\"", "\"tiny\"", "\"messages\"",
        "\"chatml\"", "\"cosine\"", "\"rdp\"", "\"prv\"", "\"bf16\"", "\"all-linear\"", "\"\\u0000\"", "\"\\ud800\"",
        "\"0193a1b2-0000-7000-8000-000000000000\"",
    ];

    // JSON of bounded depth built from the parser's own field names, so most cases reach deep into its checks.
    private static readonly Gen<string> s_json = Json(3);

    [Fact]
    public void AnyJson_ParsesToASpecOrToErrorsNamingFields_NeverThrows()
    {
        s_json.Sample(json =>
        {
            using JsonDocument document = JsonDocument.Parse(json);
            (JobSpec? spec, IReadOnlyList<JobSpecError> errors) = JobSpecParser.Parse(document.RootElement);

            Assert.True(spec is null != (errors.Count == 0), $"spec and errors disagree: {errors.Count} errors");
            bool isObject = document.RootElement.ValueKind == JsonValueKind.Object;
            Assert.All(errors, error =>
            {
                // Only a body that is not an object at all has no field to blame.
                Assert.True(!isObject || !string.IsNullOrWhiteSpace(error.Field), $"no field: {error.Message}");
                Assert.False(string.IsNullOrWhiteSpace(error.Message));
                Assert.DoesNotContain("System.", error.Message, StringComparison.Ordinal);
            });
            (JobSpec? again, IReadOnlyList<JobSpecError> againErrors) = JobSpecParser.Parse(document.RootElement);
            Assert.Equal(errors.Select(error => error.Field), againErrors.Select(error => error.Field));
            Assert.Equal(spec is null, again is null);
            if (spec is not null)
            {
                // What the API stores reads back as the spec it parsed (the worker and the views read that form).
                using JsonDocument stored = JsonDocument.Parse(JobSpecJson.Write(spec));
                Assert.Equal(Jobs.JobSpecJsonTests.Dump(spec), Jobs.JobSpecJsonTests.Dump(JobSpecJson.Read(stored.RootElement)));
            }
        }, iter: FuzzBudget.Iterations(3000), seed: FuzzBudget.Seed, threads: 1);
    }

    private static Gen<string> Json(int depth)
    {
        Gen<string> scalar = Gen.OneOf(s_scalars);
        if (depth == 0)
        {
            return scalar;
        }
        Gen<string> inner = Json(depth - 1);
        Gen<string> obj = Gen.Select(Gen.OneOf(s_fields), inner).Array[0, 6].Select(members =>
        {
            var text = new StringBuilder("{");
            // Distinct names: a duplicate key's meaning is the JSON reader's choice, not the parser's.
            foreach ((string name, string value) in members.DistinctBy(member => member.Item1))
            {
                text.Append(text.Length > 1 ? "," : "").Append('"').Append(name).Append("\":").Append(value);
            }
            return text.Append('}').ToString();
        });
        Gen<string> array = inner.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]");
        return Gen.Frequency((1, scalar), (4, obj), (1, array));
    }
}
