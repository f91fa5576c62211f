namespace FineTune.Text.Data;

/// <summary>
/// The record shapes a training dataset can have. Every format is normalized to <see cref="TrainingExample"/>:
/// a conversation whose assistant turns are the trained targets, or raw text trained on every token.
/// </summary>
public enum DatasetFormat
{
    /// <summary>OpenAI chat format: <c>{"messages": [{"role": "user", "content": "..."}, ...]}</c>.</summary>
    Messages,

    /// <summary>ShareGPT format: <c>{"conversations": [{"from": "human", "value": "..."}, ...]}</c>, with tool turns.</summary>
    ShareGpt,

    /// <summary>
    /// Alpaca format: <c>instruction</c>, optional <c>input</c>, <c>output</c>, optional <c>system</c> and <c>history</c>.
    /// </summary>
    Alpaca,

    /// <summary><c>{"prompt": "...", "completion": "..."}</c>; the completion is the assistant turn.</summary>
    PromptCompletion,

    /// <summary><c>{"text": "..."}</c>: pre-rendered text (for example ChatML), trained on every token.</summary>
    Text,

    /// <summary>Flat records (CSV rows or JSON objects), each serialized as one compact JSON line of text.</summary>
    Tabular,
}
