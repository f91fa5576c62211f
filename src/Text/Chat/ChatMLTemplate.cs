using FineTune.Text.Tokenization;

namespace FineTune.Text.Chat;

/// <summary>
/// ChatML, as Qwen2.5 and Qwen3 (and other ChatML models) use it: each turn is
/// <c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c>, and the generation prompt is
/// <c>&lt;|im_start|&gt;assistant\n</c>. Tool results follow Qwen: consecutive tool turns are grouped into one user
/// turn, each wrapped as <c>\n&lt;tool_response&gt;\n{content}\n&lt;/tool_response&gt;</c>. Trained tokens: each
/// reply and its <c>&lt;|im_end|&gt;</c>; the <c>&lt;|im_start|&gt;assistant\n</c> header and the newline after
/// <c>&lt;|im_end|&gt;</c> are not.
/// <para>
/// This is the plain (non-thinking) form, identical to Qwen2.5's template for these inputs with two deliberate
/// differences from the official templates: (1) no default system prompt is added when none is given (Qwen2.5 adds
/// "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."; pass a system turn to get it), and (2)
/// assistant content is rendered verbatim, whereas Qwen3's template puts an empty
/// <c>&lt;think&gt;\n\n&lt;/think&gt;\n\n</c> before the content of replies after the last user query (the final
/// reply of a training conversation) and moves any <c>&lt;think&gt;...&lt;/think&gt;</c> text into that block.
/// Tool definitions and tool calls are not supported.
/// </para>
/// </summary>
public sealed class ChatMLTemplate : ChatTemplate
{
    private const string ImStart = "<|im_start|>";
    private const string ImEnd = "<|im_end|>";

    /// <summary>Creates the template; ChatML has no tokenizer-dependent parts.</summary>
    public ChatMLTemplate()
    {
    }

    /// <inheritdoc />
    public override string Name => ChatTemplates.ChatMLName;

    internal override ChatTemplate BindTo(Tokenizer tokenizer) => this;

    private protected override void Write(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt, ChatSegments output)
    {
        for (int i = 0; i < turns.Count; i++)
        {
            ChatTurn turn = turns[i];
            if (turn.Role == ChatRoles.Assistant)
            {
                output.AddSpecial(ImStart);
                output.AddText("assistant\n");
                output.AddText(turn.Content, trained: true);
                output.AddSpecial(ImEnd, trained: true);
                output.AddText("\n");
            }
            else if (turn.Role == ChatRoles.Tool)
            {
                if (i == 0 || turns[i - 1].Role != ChatRoles.Tool)
                {
                    output.AddSpecial(ImStart);
                    output.AddText("user");
                }

                output.AddText("\n<tool_response>\n" + turn.Content + "\n</tool_response>");
                if (i == turns.Count - 1 || turns[i + 1].Role != ChatRoles.Tool)
                {
                    output.AddSpecial(ImEnd);
                    output.AddText("\n");
                }
            }
            else
            {
                output.AddSpecial(ImStart);
                output.AddText(turn.Role + "\n" + turn.Content);
                output.AddSpecial(ImEnd);
                output.AddText("\n");
            }
        }

        if (addGenerationPrompt)
        {
            output.AddSpecial(ImStart);
            output.AddText("assistant\n");
        }
    }
}
