using FineTune.Text.Chat;
using FineTune.Text.Tokenization;

namespace FineTune.Text.Tests.Chat;

public sealed class ChatTemplatesTests
{
    [Theory]
    [InlineData("chatml", typeof(ChatMLTemplate))]
    [InlineData("llama3", typeof(Llama3ChatTemplate))]
    [InlineData("llama2", typeof(Llama2ChatTemplate))]
    [InlineData("mistral", typeof(MistralChatTemplate))]
    [InlineData("alpaca", typeof(AlpacaChatTemplate))]
    [InlineData("ChatML", typeof(ChatMLTemplate))]
    public void Get_KnownName_ReturnsThatFamily(string name, Type expected)
    {
        ChatTemplate template = ChatTemplates.Get(name);

        Assert.IsType(expected, template);
        Assert.Equal(name.ToLowerInvariant(), template.Name);
    }

    [Fact]
    public void Get_UnknownName_ThrowsListingKnownNames()
    {
        var error = Assert.Throws<ArgumentException>(() => ChatTemplates.Get("vicuna"));

        Assert.Contains("chatml, llama3, llama2, mistral, alpaca", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_OfficialTemplates_RecognizesTheirFamilies()
    {
        Assert.Equal("chatml", ChatTemplates.Detect(OfficialTemplates.Qwen3)?.Name);
        Assert.Equal("chatml", ChatTemplates.Detect(OfficialTemplates.PlainChatML)?.Name);
        Assert.Equal("llama3", ChatTemplates.Detect(OfficialTemplates.Llama3FirstRelease)?.Name);
        Assert.Equal("llama2", ChatTemplates.Detect(OfficialTemplates.Llama2Chat)?.Name);
        Assert.Equal("mistral", ChatTemplates.Detect(OfficialTemplates.MistralInstruct)?.Name);
        Assert.Equal("alpaca", ChatTemplates.Detect("{{ '### Instruction:\\n' + x + '\\n\\n### Response:' }}")?.Name);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{% for message in messages %}{{ message['content'] }}{% endfor %}")]
    public void Detect_MissingOrUnknownTemplate_ReturnsNull(string? chatTemplate)
    {
        Assert.Null(ChatTemplates.Detect(chatTemplate));
    }

    [Theory]
    [InlineData("tokenizers/qwen3", "chatml")]
    [InlineData("tokenizers/mistral", "chatml")]
    [InlineData("tokenizers/llama3", "llama3")]
    public void ForTokenizer_TokenizerWithChatTemplate_DetectsFamily(string tokenizerPath, string expected)
    {
        Tokenizer tokenizer = ChatTestAssets.Load(tokenizerPath);

        Assert.Equal(expected, ChatTemplates.ForTokenizer(tokenizer).Name);
    }

    [Fact]
    public void ForTokenizer_NoChatTemplateAndNoName_Throws()
    {
        Tokenizer tokenizer = ChatTestAssets.Load("tokenizers/gpt2");

        Assert.Throws<InvalidOperationException>(() => ChatTemplates.ForTokenizer(tokenizer));
    }

    [Fact]
    public void ForTokenizer_NamedAlpacaOnGpt2_EndsRepliesWithTokenizerEos()
    {
        Tokenizer tokenizer = ChatTestAssets.Load("tokenizers/gpt2");

        ChatTemplate template = ChatTemplates.ForTokenizer(tokenizer, "alpaca");

        string text = template.RenderText(AlpacaChatTemplate.ToTurns("a", output: "b"));

        Assert.EndsWith("### Response:\nb<|endoftext|>", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ForTokenizer_NamedMistralOnChatMLTokenizer_UsesTokenizerEosAsJinjaWould()
    {
        // The mistral asset's eos_token is <|im_end|>; a Jinja template reading eos_token would write that too.
        Tokenizer tokenizer = ChatTestAssets.Load("tokenizers/mistral");
        IReadOnlyList<ChatTurn> turns = [new(ChatRoles.User, "a"), new(ChatRoles.Assistant, "b")];

        string text = ChatTemplates.ForTokenizer(tokenizer, "mistral").RenderText(turns);

        string? expected = JinjaReference.Render(
            OfficialTemplates.MistralInstruct, [turns], addGenerationPrompt: false, "<s>", "<|im_end|>")[0];
        Assert.Equal(expected, text);
        Assert.Equal("<s>[INST] a [/INST]b<|im_end|>", text);
    }
}
