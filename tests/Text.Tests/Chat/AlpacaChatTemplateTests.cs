using FineTune.Text.Chat;
using FineTune.Text.Tokenization;

namespace FineTune.Text.Tests.Chat;

public sealed class AlpacaChatTemplateTests
{
    private static readonly ChatTemplate s_template = ChatTemplates.Get("alpaca");

    [Fact]
    public void RenderText_RecordWithInput_MatchesAlpacaInputPrompt()
    {
        IReadOnlyList<ChatTurn> turns = AlpacaChatTemplate.ToTurns("Summarize the text.", "Cats sleep.", "Cats nap");

        string text = s_template.RenderText(turns);

        // stanford_alpaca's prompt_input, then "\n", the output and EOS.
        Assert.Equal(
            "Below is an instruction that describes a task, paired with an input that provides further context. "
            + "Write a response that appropriately completes the request.\n\n"
            + "### Instruction:\nSummarize the text.\n\n### Input:\nCats sleep.\n\n### Response:\nCats nap</s>",
            text);
    }

    [Fact]
    public void RenderText_RecordWithoutOutput_EndsWithResponseCue()
    {
        IReadOnlyList<ChatTurn> turns = AlpacaChatTemplate.ToTurns("Name a color.", input: "");

        string text = s_template.RenderText(turns, addGenerationPrompt: true);

        Assert.Equal(
            "Below is an instruction that describes a task. "
            + "Write a response that appropriately completes the request.\n\n"
            + "### Instruction:\nName a color.\n\n### Response:\n",
            text);
    }

    [Fact]
    public void RenderText_NoSystemTwoExchanges_UsesNoInputPreambleAndBlankLineBetween()
    {
        IReadOnlyList<ChatTurn> turns =
        [
            new(ChatRoles.User, "A"),
            new(ChatRoles.Assistant, "B"),
            new(ChatRoles.User, "C"),
            new(ChatRoles.Assistant, "D"),
        ];

        string text = s_template.RenderText(turns);

        Assert.Equal(
            AlpacaChatTemplate.NoInputPreamble
            + "\n\n### Instruction:\nA\n\n### Response:\nB</s>\n\n### Instruction:\nC\n\n### Response:\nD</s>",
            text);
    }

    [Fact]
    public void RenderText_EmptySystem_DropsPreamble()
    {
        IReadOnlyList<ChatTurn> turns = [new(ChatRoles.System, ""), new(ChatRoles.User, "A")];

        Assert.Equal("### Instruction:\nA\n\n### Response:\n", s_template.RenderText(turns));
    }

    [Fact]
    public void Render_Gpt2_MasksResponseAndEndOfTextWithoutBos()
    {
        Tokenizer tokenizer = ChatTestAssets.Load("tokenizers/gpt2");
        ChatTemplate template = ChatTemplates.ForTokenizer(tokenizer, "alpaca");

        IReadOnlyList<ChatTurn> turns = AlpacaChatTemplate.ToTurns("Name a color.", output: "Blue.");

        RenderedChat rendered = template.Render(turns, tokenizer);

        (int start, int end) = Assert.Single(ChatTokenizationParityTests.Spans(rendered.AssistantMask));
        Assert.Equal("Blue.<|endoftext|>", tokenizer.Decode(rendered.Ids.AsSpan(start, end - start)));
        Assert.Equal(rendered.Count, end);
        Assert.StartsWith("Below", tokenizer.Decode(rendered.Ids.AsSpan(0, 1)), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_TinyStories_StartsWithPostProcessorBos()
    {
        Tokenizer tokenizer = ChatTestAssets.Load("models/tinystories-656k");
        ChatTemplate template = ChatTemplates.ForTokenizer(tokenizer, "alpaca");
        IReadOnlyList<ChatTurn> turns = AlpacaChatTemplate.ToTurns("Tell a story.", output: "Once upon a time.");

        RenderedChat rendered = template.Render(turns, tokenizer);

        Assert.Equal(tokenizer.BosTokenId, rendered.Ids[0]);
        Assert.False(rendered.AssistantMask[0]);
        Assert.DoesNotContain("<|start_story|>", rendered.Text, StringComparison.Ordinal);
        Assert.Equal(tokenizer.EosTokenId, rendered.Ids[^1]);
        Assert.True(rendered.AssistantMask[^1]);
    }
}
