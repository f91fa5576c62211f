namespace FineTune.Text.Chat;

/// <summary>
/// The roles a <see cref="ChatTurn"/> may have, spelled as the Hugging Face chat templates compare them
/// (lowercase, ordinal). Datasets with other names (ShareGPT's "human"/"gpt") map to these before rendering.
/// </summary>
public static class ChatRoles
{
    /// <summary>Instructions that frame the conversation; some families allow it only as the first turn.</summary>
    public const string System = "system";

    /// <summary>A human message; never trained on.</summary>
    public const string User = "user";

    /// <summary>A model reply: the only tokens the assistant mask selects.</summary>
    public const string Assistant = "assistant";

    /// <summary>A tool result fed back to the model; only ChatML and Llama 3 render it.</summary>
    public const string Tool = "tool";

    /// <summary>The four roles, in the order above.</summary>
    public static IReadOnlyList<string> All { get; } = [System, User, Assistant, Tool];

    /// <summary>Whether <paramref name="role"/> is one of <see cref="All"/> (ordinal, so "User" is not).</summary>
    public static bool IsKnown(string? role)
    {
        return role is System or User or Assistant or Tool;
    }
}
