using FineTune.Text.Chat;
using FineTune.Text.Tokenization;

namespace FineTune.Text.Tests.Chat;

public sealed class Llama3ChatTemplateTests
{
    private static readonly ChatTemplate s_template = ChatTemplates.Get("llama3");

    [Fact]
    public void RenderText_PaddedContent_WritesHeadersAndStripsContent()
    {
        IReadOnlyList<ChatTurn> turns = [new(ChatRoles.User, "  Hi\n"), new(ChatRoles.Assistant, "\nHello! ")];

        string text = s_template.RenderText(turns, addGenerationPrompt: false);

        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>",
            text);
    }

    [Fact]
    public void RenderText_GenerationPrompt_AppendsAssistantHeader()
    {
        string text = s_template.RenderText([new(ChatRoles.User, "Hi")], addGenerationPrompt: true);

        Assert.EndsWith("<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Llama3_MasksStrippedRepliesAndEotIds()
    {
        Tokenizer tokenizer = ChatTestAssets.Load("tokenizers/llama3");

        RenderedChat rendered = s_template.Render(ChatConversations.Simple, tokenizer);

        string[] spans = [.. ChatTokenizationParityTests.Spans(rendered.AssistantMask)
            .Select(s => tokenizer.Decode(rendered.Ids.AsSpan(s.Start, s.End - s.Start)))];
        Assert.Equal(["Hello!<|eot_id|>", "4<|eot_id|>"], spans);
        Assert.Equal(128000, rendered.Ids[0]);
        Assert.True(rendered.AssistantMask[^1]);
    }
}
