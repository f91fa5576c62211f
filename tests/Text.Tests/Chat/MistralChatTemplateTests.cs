using FineTune.Text.Chat;
using FineTune.Text.Tokenization;

namespace FineTune.Text.Tests.Chat;

public sealed class MistralChatTemplateTests
{
    private static readonly ChatTemplate s_template = ChatTemplates.Get("mistral");

    [Fact]
    public void RenderText_SystemTurn_PrefixesFirstUserContent()
    {
        string text = s_template.RenderText(ChatConversations.Simple);

        Assert.Equal("<s>[INST] Be brief.\n\nHi there [/INST]Hello!</s>[INST] What's 2+2? [/INST]4</s>", text);
    }

    [Fact]
    public void RenderText_NoTurns_WritesBosOnly()
    {
        Assert.Equal("<s>", s_template.RenderText([], addGenerationPrompt: true));
    }

    [Fact]
    public void Render_MistralTokenizer_MasksUnspacedReplyAndEos()
    {
        // The template writes the reply right after "[/INST]", so a legacy SentencePiece tokenizer gives "Hello"
        // without the U+2581 word prefix, exactly as the whole string encodes.
        Tokenizer tokenizer = ChatTestAssets.Load("tokenizers/mistral");

        RenderedChat rendered = s_template.Render(ChatConversations.Simple, tokenizer);

        string[][] spans = [.. ChatTokenizationParityTests.Spans(rendered.AssistantMask)
            .Select(s => rendered.Ids[s.Start..s.End].Select(id => tokenizer.IdToToken(id)!).ToArray())];
        Assert.Equal(["Hello", "!", "</s>"], spans[0]);
        Assert.Equal(["4", "</s>"], spans[1]);
        Assert.Equal(1, rendered.Ids.Count(id => id == 1));
    }

    [Fact]
    public void RenderText_ToolTurn_Throws()
    {
        IReadOnlyList<ChatTurn> turns = [new(ChatRoles.User, "a"), new(ChatRoles.Tool, "b")];

        Assert.Throws<ArgumentException>(() => s_template.RenderText(turns));
    }
}
