namespace FineTune.Text.Chat;

/// <summary>
/// One message of a conversation to render: a role from <see cref="ChatRoles"/> and its text. This is the chat
/// templates' own minimal input; dataset readers convert their records to it. Content is used verbatim (templates
/// that strip whitespace, such as Llama 2's, do so themselves), and text that spells a special token such as
/// <c>&lt;|im_end|&gt;</c> encodes to that token, exactly as in <c>apply_chat_template</c>.
/// </summary>
public sealed record ChatTurn
{
    /// <summary>Creates a turn; <paramref name="role"/> must be one of <see cref="ChatRoles.All"/>.</summary>
    /// <exception cref="ArgumentException">The role is not a known one.</exception>
    public ChatTurn(string role, string content)
    {
        ArgumentNullException.ThrowIfNull(role);
        ArgumentNullException.ThrowIfNull(content);
        if (!ChatRoles.IsKnown(role))
        {
            throw new ArgumentException(
                $"Unknown chat role '{role}'; expected one of: {string.Join(", ", ChatRoles.All)}.", nameof(role));
        }

        Role = role;
        Content = content;
    }

    /// <summary>The speaker: <c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</summary>
    public string Role { get; }

    /// <summary>The message text.</summary>
    public string Content { get; }
}
