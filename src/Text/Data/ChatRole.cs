namespace FineTune.Text.Data;

/// <summary>The author of a <see cref="ChatMessage"/>, normalized across dataset formats.</summary>
public enum ChatRole
{
    /// <summary>Instructions that frame the conversation (OpenAI <c>system</c>/<c>developer</c>).</summary>
    System,

    /// <summary>The human side (ShareGPT <c>human</c>).</summary>
    User,

    /// <summary>The model side and the trained target (ShareGPT <c>gpt</c> and <c>function_call</c>).</summary>
    Assistant,

    /// <summary>A tool result fed back to the model (ShareGPT <c>observation</c>, OpenAI <c>tool</c>/<c>function</c>).</summary>
    Tool,
}
