using System.Text.Json.Nodes;

namespace FineTune.Api.Contracts;

/// <summary>
/// The body of <c>POST /v1/jobs</c>, for documentation: the API reads the JSON itself and validates it strictly
/// (an unknown field anywhere is a 422 naming it), with the parser the worker uses. Every number must be finite and
/// within its range in <c>JobSpecBounds</c> (listed in CreateJob's description), e.g. learning_rate in (0, 1].
/// </summary>
public sealed record JobCreateRequest
{
    /// <summary>The base model's name (see <c>GET /v1/models</c>).</summary>
    public required string Model { get; init; }

    /// <summary>The ID of a dataset of yours to train on.</summary>
    public required string TrainingFile { get; init; }

    /// <summary>The ID of a dataset of yours to validate on; default: a seeded share of the training data.</summary>
    public string? ValidationFile { get; init; }

    /// <summary>The backend (see <c>GET /v1/backends</c>); default <c>libtorch-cpu</c>.</summary>
    public string? Backend { get; init; }

    /// <summary>Options of that backend, per its <c>options_schema</c>; an option it does not support is a 422.</summary>
    public JsonObject? BackendOptions { get; init; }

    /// <summary>n_epochs, steps, batch_size (or "auto"), learning_rate (or "auto"), grad_accum, max_seq_len,
    /// lr_schedule, warmup_ratio, weight_decay, max_grad_norm, eval_every, save_every, packing.</summary>
    public JsonObject? Hyperparameters { get; init; }

    /// <summary>r, alpha, dropout, target_modules, use_rslora.</summary>
    public JsonObject? Lora { get; init; }

    /// <summary>DP-SGD: target_epsilon and/or noise_multiplier, delta (or "auto"), max_grad_norm, accountant (rdp or
    /// prv), expected_batch_size, entity_column, seed. Omit to train without differential privacy.</summary>
    public JsonObject? Privacy { get; init; }

    /// <summary>Seed of LoRA initialisation, data order and dropout (default 42).</summary>
    public long? Seed { get; init; }

    /// <summary>Free-form string metadata, echoed back on the job.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Dataset record format (auto, messages, sharegpt, alpaca, prompt_completion, text, tabular); default: detected.</summary>
    public string? Format { get; init; }

    /// <summary>Tabular grouping column.</summary>
    public string? GroupBy { get; init; }

    /// <summary>Train on every token instead of assistant turns only.</summary>
    public bool? AllTokens { get; init; }

    /// <summary>Chat template name (chatml, llama3, llama2, mistral, alpaca); default: the tokenizer's.</summary>
    public string? ChatTemplate { get; init; }
}
