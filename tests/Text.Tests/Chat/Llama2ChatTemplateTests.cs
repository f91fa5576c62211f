using FineTune.Text.Chat;
using FineTune.Text.Tokenization;

namespace FineTune.Text.Tests.Chat;

public sealed class Llama2ChatTemplateTests
{
    private static readonly ChatTemplate s_template = ChatTemplates.Get("llama2");

    [Fact]
    public void RenderText_SystemAndTwoExchanges_WritesInstBlocksWithSysInFirst()
    {
        string text = s_template.RenderText(ChatConversations.Simple);

        Assert.Equal(
            "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi there [/INST] Hello! </s>"
            + "<s>[INST] What's 2+2? [/INST] 4 </s>",
            text);
    }

    [Fact]
    public void RenderText_BlankSystem_KeepsSysBlockAsPythonJinjaDoes()
    {
        IReadOnlyList<ChatTurn> turns = [new(ChatRoles.System, ""), new(ChatRoles.User, "Hi")];

        string text = s_template.RenderText(turns, addGenerationPrompt: true);

        Assert.Equal("<s>[INST] <<SYS>>\n\n<</SYS>>\n\nHi [/INST]", text);
    }

    [Fact]
    public void RenderText_InformationSeparators_StrippedAsPythonStrips()
    {
        IReadOnlyList<ChatTurn> turns =
        [
            new(ChatRoles.User, "\u001fHi\u001c\u00a0"),
            new(ChatRoles.Assistant, "\u2003Yo\u001e"),
        ];

        string text = s_template.RenderText(turns);

        Assert.Equal("<s>[INST] Hi [/INST] Yo </s>", text);
    }

    [Fact]
    public void Render_MistralTokenizer_MasksSpacedReplyAndEos()
    {
        // The reply's leading space is the U+2581 of its first token; the trailing one is a lone U+2581 token.
        Tokenizer tokenizer = ChatTestAssets.Load("tokenizers/mistral");

        RenderedChat rendered = s_template.Render(ChatConversations.Simple, tokenizer);

        string[][] spans = [.. ChatTokenizationParityTests.Spans(rendered.AssistantMask)
            .Select(s => rendered.Ids[s.Start..s.End].Select(id => tokenizer.IdToToken(id)!).ToArray())];
        Assert.Equal(["\u2581Hello", "!", "\u2581", "</s>"], spans[0]);
        Assert.Equal(["\u2581", "4", "\u2581", "</s>"], spans[1]);
        Assert.Equal(1, rendered.Ids[0]);
    }

    [Theory]
    [InlineData(ChatRoles.Tool)]
    [InlineData(ChatRoles.System)]
    public void RenderText_NonChatRoleAfterReply_Throws(string role)
    {
        IReadOnlyList<ChatTurn> turns = [new(ChatRoles.User, "a"), new(ChatRoles.Assistant, "b"), new(role, "c")];

        Assert.Throws<ArgumentException>(() => s_template.RenderText(turns));
    }
}
