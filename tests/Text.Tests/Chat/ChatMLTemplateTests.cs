using FineTune.Text.Chat;
using FineTune.Text.Tokenization;

namespace FineTune.Text.Tests.Chat;

public sealed class ChatMLTemplateTests
{
    private static readonly ChatTemplate s_template = ChatTemplates.Get("chatml");

    [Fact]
    public void RenderText_SystemUserAssistant_WritesOneBlockPerTurn()
    {
        string text = s_template.RenderText(ChatConversations.Simple);

        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n"
            + "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nWhat's 2+2?<|im_end|>\n"
            + "<|im_start|>assistant\n4<|im_end|>\n",
            text);
    }

    [Fact]
    public void RenderText_ConsecutiveToolTurns_GroupsThemInOneUserTurn()
    {
        IReadOnlyList<ChatTurn> turns =
        [
            new(ChatRoles.User, "Weather?"),
            new(ChatRoles.Assistant, "Checking."),
            new(ChatRoles.Tool, "sunny"),
            new(ChatRoles.Tool, "22C"),
        ];

        string text = s_template.RenderText(turns, addGenerationPrompt: true);

        Assert.Equal(
            "<|im_start|>user\nWeather?<|im_end|>\n<|im_start|>assistant\nChecking.<|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\nsunny\n</tool_response>\n"
            + "<tool_response>\n22C\n</tool_response><|im_end|>\n"
            + "<|im_start|>assistant\n",
            text);
    }

    [Fact]
    public void Render_Qwen3_MasksEachReplyAndItsImEndOnly()
    {
        Tokenizer tokenizer = ChatTestAssets.Load("tokenizers/qwen3");

        RenderedChat rendered = s_template.Render(ChatConversations.Simple, tokenizer);

        string[] spans = [.. ChatTokenizationParityTests.Spans(rendered.AssistantMask)
            .Select(s => tokenizer.Decode(rendered.Ids.AsSpan(s.Start, s.End - s.Start)))];
        Assert.Equal(["Hello!<|im_end|>", "4<|im_end|>"], spans);
        Assert.Equal(
            "<|im_start|>assistant\n",
            tokenizer.Decode(rendered.Ids.AsSpan(rendered.Count - 6, 3)));
        Assert.False(rendered.AssistantMask[^1]);
    }

    [Fact]
    public void Render_GenerationPrompt_EndsWithUnmaskedAssistantHeader()
    {
        Tokenizer tokenizer = ChatTestAssets.Load("tokenizers/qwen3");
        IReadOnlyList<ChatTurn> turns = [new(ChatRoles.User, "Hi")];

        RenderedChat rendered = s_template.Render(turns, tokenizer, addGenerationPrompt: true);

        int?[] header =
        [
            tokenizer.TokenToId("<|im_start|>"),
            tokenizer.TokenToId("assistant"),
            tokenizer.TokenToId("\u010a"),
        ];
        Assert.Equal(header, rendered.Ids[^3..].Select(id => (int?)id));
        Assert.DoesNotContain(true, rendered.AssistantMask);
    }

    [Fact]
    public void Render_TokenizerWithoutImStart_ThrowsNamingTheToken()
    {
        Tokenizer tokenizer = ChatTestAssets.Load("tokenizers/gpt2");

        var error = Assert.Throws<InvalidOperationException>(
            () => s_template.Render(ChatConversations.Simple, tokenizer));

        Assert.Contains("<|im_start|>", error.Message, StringComparison.Ordinal);
    }
}
