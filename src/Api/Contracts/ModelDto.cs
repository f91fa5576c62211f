using System.Text.Json.Serialization;

namespace FineTune.Api.Contracts;

/// <summary>A base model the workers can load and jobs can fine-tune, or a fine-tuned model (an adapter over one).</summary>
/// <param name="Name">The name jobs use as <c>model</c> (the model folder's name); a fine-tuned model's <c>ft:</c> name.</param>
/// <param name="Family">The architecture, from config.json <c>model_type</c>: llama, qwen2 or mistral.</param>
/// <param name="Parameters">Parameter count, from the safetensors headers (or the config when there are none).</param>
/// <param name="ContextLength">The longest sequence the model was trained for (<c>max_position_embeddings</c>).</param>
/// <param name="VocabSize">Tokenizer vocabulary size.</param>
public sealed record ModelDto(string Name, string Family, long Parameters, int ContextLength, int VocabSize)
{
    /// <summary>Always <c>model</c>.</summary>
    [JsonPropertyOrder(-1)]
    public string Object => "model";

    /// <summary>The model's id as OpenAI's API names it: the same as <see cref="Name"/>.</summary>
    [JsonPropertyOrder(-2)]
    public string Id => Name;

    /// <summary>When the model folder was written (its config.json), in Unix seconds.</summary>
    public long Created { get; init; }

    /// <summary>
    /// Who provides it: <c>finetune</c> for the base models of the models folder, the tenant's organization id
    /// (<c>org-</c> and its id in hex) for its fine-tuned models.
    /// </summary>
    public string OwnedBy { get; init; } = "finetune";

    /// <summary>For a fine-tuned model, the base model its adapter was trained on; null for a base model.</summary>
    public string? Parent { get; init; }
}
