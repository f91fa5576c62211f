namespace FineTune.Text.Data;

/// <summary>One turn of a normalized conversation.</summary>
/// <param name="Role">Who speaks; <see cref="ChatRole.Assistant"/> turns are the trained targets.</param>
/// <param name="Content">The text of the turn; empty for an assistant turn that only calls tools.</param>
public sealed record ChatMessage(ChatRole Role, string Content)
{
    /// <summary>The optional participant or function name (OpenAI <c>name</c>).</summary>
    public string? Name { get; init; }

    /// <summary>For a tool turn, the id of the call it answers (OpenAI <c>tool_call_id</c>), when the source has one.</summary>
    public string? ToolCallId { get; init; }

    /// <summary>
    /// For an assistant turn that calls tools, a compact JSON array of calls, each an object with <c>name</c> and
    /// <c>arguments</c> (plus <c>id</c> when the source has one). OpenAI's <c>function.arguments</c> string is
    /// expanded to its JSON value when it parses, so every source reaches the chat template in one shape.
    /// </summary>
    public string? ToolCalls { get; init; }

    /// <summary>The role as chat templates spell it: <c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</summary>
    public string RoleName => Role switch
    {
        ChatRole.System => "system",
        ChatRole.User => "user",
        ChatRole.Assistant => "assistant",
        ChatRole.Tool => "tool",
        _ => throw new InvalidOperationException($"Unknown chat role {Role}."),
    };
}
