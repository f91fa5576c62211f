namespace FineTune.Contracts.Jobs;

/// <summary>
/// The accepted range of every numeric field of a job spec, in one table: <see cref="JobSpecParser"/> refuses a value
/// outside it with a 422 naming the field, and the API's OpenAPI description lists it (<see cref="Describe"/>).
/// Ranges are wide enough for any real run and narrow enough that a typo (<c>1e9</c>, <c>1e400</c>) cannot reach a
/// worker, where it would only fail later, or allocate until the device runs out of memory, or run for years.
/// <c>hyperparameters.max_seq_len</c> is also capped at submit by the model's <c>max_position_embeddings</c>.
/// </summary>
public static class JobSpecBounds
{
    /// <summary>Whole numbers used as seeds: what a double holds exactly, so a seed survives any JSON client.</summary>
    public const long MaxSeed = (1L << 53) - 1;

    private static readonly Dictionary<string, FieldBounds> s_byField = new(StringComparer.Ordinal)
    {
        ["hyperparameters.n_epochs"] = new(0, 1000, MinExclusive: true),
        ["hyperparameters.steps"] = FieldBounds.Whole(1, 10_000_000),
        ["hyperparameters.batch_size"] = FieldBounds.Whole(1, 4096),
        ["hyperparameters.learning_rate"] = new(0, 1, MinExclusive: true),
        ["hyperparameters.grad_accum"] = FieldBounds.Whole(1, 4096),
        // 16 tokens is the shortest sequence that holds a prompt and an answer; 131072 is the longest context of
        // the supported model families.
        ["hyperparameters.max_seq_len"] = FieldBounds.Whole(16, 131_072),
        ["hyperparameters.warmup_ratio"] = new(0, 1, MaxExclusive: true),
        ["hyperparameters.weight_decay"] = new(0, 1),
        ["hyperparameters.max_grad_norm"] = new(0, 10_000),
        ["hyperparameters.eval_every"] = FieldBounds.Whole(0, 10_000_000),
        ["hyperparameters.save_every"] = FieldBounds.Whole(0, 10_000_000),
        ["lora.r"] = FieldBounds.Whole(1, 1024),
        ["lora.alpha"] = new(0, 10_000, MinExclusive: true),
        ["lora.dropout"] = new(0, 1, MaxExclusive: true),
        // ε above 1000 bounds nothing a user could mean; δ must be a probability below 1 (and is below 1/n by choice).
        ["privacy.target_epsilon"] = new(0, 1000, MinExclusive: true),
        ["privacy.delta"] = new(0, 1, MinExclusive: true, MaxExclusive: true),
        ["privacy.max_grad_norm"] = new(0, 10_000, MinExclusive: true),
        ["privacy.noise_multiplier"] = new(0, 1000),
        ["privacy.expected_batch_size"] = FieldBounds.Whole(1, 1_000_000),
        ["privacy.seed"] = FieldBounds.Whole(0, MaxSeed),
        // Canaries are scored one forward each after training, so even the largest count costs seconds, not hours.
        ["privacy.audit.canaries"] = FieldBounds.Whole(2, 100_000),
        ["privacy.audit.canary_length"] = FieldBounds.Whole(2, 1024),
        ["seed"] = FieldBounds.Whole(0, MaxSeed),
    };

    /// <summary>Every bounded field by its dotted path, e.g. <c>hyperparameters.learning_rate</c>.</summary>
    public static IReadOnlyDictionary<string, FieldBounds> ByField => s_byField;

    /// <summary>The bounds of the field at <paramref name="path"/>; every numeric field has some.</summary>
    /// <exception cref="KeyNotFoundException">The parser reads a number this table forgot (a bug).</exception>
    public static FieldBounds Of(string path)
    {
        return s_byField.TryGetValue(path, out FieldBounds? bounds)
            ? bounds
            : throw new KeyNotFoundException($"job spec field '{path}' has no bounds in {nameof(JobSpecBounds)}");
    }

    /// <summary>One line per field, "path: range", for the API's documentation.</summary>
    public static string Describe()
    {
        return string.Join("; ", s_byField.Select(pair => $"{pair.Key}: {pair.Value.Describe()}"));
    }
}
