using FineTune.Text.Chat;

namespace FineTune.Text.Tests.Chat;

/// <summary>
/// <see cref="ChatTemplate.RenderText"/> against the official Jinja templates rendered by <c>@huggingface/jinja</c>
/// under node (<see cref="JinjaReference"/>), character for character, on written and seeded random conversations.
/// </summary>
public sealed class ChatTemplateJinjaParityTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RenderText_ChatML_MatchesPlainChatMLTemplate(bool addGenerationPrompt)
    {
        IReadOnlyList<IReadOnlyList<ChatTurn>> conversations =
            [ChatConversations.Simple, .. ChatConversations.Random(60, seed: 11)];

        string?[] expected = JinjaReference.Render(OfficialTemplates.PlainChatML, conversations, addGenerationPrompt);

        AssertSameTexts(expected, conversations, c => ChatTemplates.Get("chatml").RenderText(c, addGenerationPrompt));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RenderText_ChatMLEndingWithUser_MatchesQwen3Template(bool addGenerationPrompt)
    {
        // Qwen3 renders earlier replies plainly; only replies after the last user query differ (see the next test).
        IReadOnlyList<IReadOnlyList<ChatTurn>> conversations =
            ChatConversations.EndingWithUser(ChatConversations.Random(60, seed: 12, tools: true));

        string?[] expected = JinjaReference.Render(OfficialTemplates.Qwen3, conversations, addGenerationPrompt);

        AssertSameTexts(expected, conversations, c => ChatTemplates.Get("chatml").RenderText(c, addGenerationPrompt));
    }

    [Fact]
    public void RenderText_ChatMLEndingWithReply_IsQwen3WithoutEmptyThinkBlock()
    {
        IReadOnlyList<ChatTurn> conversation = ChatConversations.Simple;

        string qwen3 = JinjaReference.Render(OfficialTemplates.Qwen3, [conversation], addGenerationPrompt: false)[0]!;

        const string thinkBlock = "<think>\n\n</think>\n\n";
        const string header = "<|im_start|>assistant\n";
        int last = qwen3.LastIndexOf(header, StringComparison.Ordinal) + header.Length;
        Assert.Equal(thinkBlock, qwen3.Substring(last, thinkBlock.Length));
        Assert.Equal(qwen3.Remove(last, thinkBlock.Length), ChatTemplates.Get("chatml").RenderText(conversation));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RenderText_Llama3_MatchesLlama3Template(bool addGenerationPrompt)
    {
        IReadOnlyList<IReadOnlyList<ChatTurn>> conversations =
            [ChatConversations.Simple, .. ChatConversations.Random(60, seed: 13, tools: true)];

        string?[] expected = JinjaReference.Render(
            OfficialTemplates.Llama3, conversations, addGenerationPrompt, bosToken: "<|begin_of_text|>");

        AssertSameTexts(expected, conversations, c => ChatTemplates.Get("llama3").RenderText(c, addGenerationPrompt));
    }

    [Fact]
    public void RenderText_Llama3WithGenerationPrompt_MatchesFirstReleaseTemplate()
    {
        IReadOnlyList<IReadOnlyList<ChatTurn>> conversations = ChatConversations.Random(30, seed: 14);

        string?[] expected = JinjaReference.Render(
            OfficialTemplates.Llama3FirstRelease,
            conversations,
            addGenerationPrompt: false,
            bosToken: "<|begin_of_text|>");

        AssertSameTexts(expected, conversations, c => ChatTemplates.Get("llama3").RenderText(c, true));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RenderText_Llama2_MatchesLlama2ChatTemplate(bool addGenerationPrompt)
    {
        // A blank system message is left out: the JS renderer compares loosely, so "" and "  " equal false there and
        // the <<SYS>> block is dropped, while Python's jinja2 (transformers) keeps it, as we do (see Llama2 tests).
        IReadOnlyList<IReadOnlyList<ChatTurn>> conversations =
        [
            ChatConversations.Simple,
            .. ChatConversations.Random(60, seed: 15)
                .Where(c => c.Count == 0 || c[0].Role != ChatRoles.System || !string.IsNullOrWhiteSpace(c[0].Content)),
        ];

        string?[] expected = JinjaReference.Render(
            OfficialTemplates.Llama2Chat, conversations, addGenerationPrompt, bosToken: "<s>", eosToken: "</s>");

        AssertSameTexts(expected, conversations, c => ChatTemplates.Get("llama2").RenderText(c, addGenerationPrompt));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RenderText_MistralWithoutSystem_MatchesMistralInstructTemplate(bool addGenerationPrompt)
    {
        IReadOnlyList<IReadOnlyList<ChatTurn>> conversations =
            [.. ChatConversations.Random(60, seed: 16, system: false), []];

        string?[] expected = JinjaReference.Render(
            OfficialTemplates.MistralInstruct, conversations, addGenerationPrompt, bosToken: "<s>", eosToken: "</s>");

        AssertSameTexts(expected, conversations, c => ChatTemplates.Get("mistral").RenderText(c, addGenerationPrompt));
    }

    [Theory]
    [InlineData("llama2")]
    [InlineData("mistral")]
    public void RenderText_RolesOutOfTurn_ThrowsWhereTemplateRaises(string name)
    {
        IReadOnlyList<IReadOnlyList<ChatTurn>> conversations =
        [
            [new(ChatRoles.Assistant, "first")],
            [new(ChatRoles.User, "a"), new(ChatRoles.User, "b")],
            [new(ChatRoles.User, "a"), new(ChatRoles.Assistant, "b"), new(ChatRoles.Assistant, "c")],
        ];
        string template = name == "llama2" ? OfficialTemplates.Llama2Chat : OfficialTemplates.MistralInstruct;

        string?[] rendered = JinjaReference.Render(template, conversations, addGenerationPrompt: false, "<s>", "</s>");

        Assert.All(rendered, Assert.Null);
        Assert.All(conversations, c => Assert.Throws<ArgumentException>(() => ChatTemplates.Get(name).RenderText(c)));
    }

    private static void AssertSameTexts(
        string?[] expected,
        IReadOnlyList<IReadOnlyList<ChatTurn>> conversations,
        Func<IReadOnlyList<ChatTurn>, string> render)
    {
        Assert.Equal(conversations.Count, expected.Length);
        for (int i = 0; i < conversations.Count; i++)
        {
            Assert.True(expected[i] is not null, $"The reference template raised on conversation {i}.");
            Assert.Equal(expected[i], render(conversations[i]));
        }
    }
}
