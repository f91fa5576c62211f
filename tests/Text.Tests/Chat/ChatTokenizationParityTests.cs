using FineTune.Text.Chat;
using FineTune.Text.Tokenization;

namespace FineTune.Text.Tests.Chat;

/// <summary>
/// Segment-by-segment tokenization (<see cref="ChatTemplate.Render"/>) against the tokenizer's encoding of the whole
/// rendered string, for every family with a tokenizer among the shared assets; plus the shape of the mask.
/// </summary>
public sealed class ChatTokenizationParityTests
{
    /// <summary>
    /// Family and tokenizer pairs whose tokenizer recognizes the template's special tokens anywhere in a string:
    /// each family on its own tokenizer, and SentencePiece/byte-level mixes.
    /// </summary>
    public static TheoryData<string, string> WholeStringPairs => new()
    {
        { "chatml", "tokenizers/qwen3" },
        { "chatml", "tokenizers/mistral" },
        { "llama3", "tokenizers/llama3" },
        { "llama2", "tokenizers/mistral" },
        { "mistral", "tokenizers/mistral" },
        { "alpaca", "tokenizers/gpt2" },
        { "alpaca", "tokenizers/mistral" },
        { "alpaca", "tokenizers/llama3" },
    };

    /// <summary>
    /// All pairs, TinyStories included: its EOS is emitted as an id where the whole string spells it out
    /// (<see cref="Render_TinyStoriesAlpaca_EmitsEosIdWhereWholeStringSpellsItOut"/>).
    /// </summary>
    public static TheoryData<string, string> Pairs
    {
        get
        {
            TheoryData<string, string> pairs = WholeStringPairs;
            pairs.Add("alpaca", "models/tinystories-656k");
            return pairs;
        }
    }

    [Theory]
    [MemberData(nameof(WholeStringPairs))]
    public void Render_RandomConversations_IdsEqualWholeStringEncoding(string name, string tokenizerPath)
    {
        Tokenizer tokenizer = ChatTestAssets.Load(tokenizerPath);
        ChatTemplate template = Template(name, tokenizer);
        bool tools = name is "chatml" or "llama3";

        foreach (IReadOnlyList<ChatTurn> turns in ChatConversations.Random(80, seed: 21, tools: tools))
        {
            RenderedChat rendered = template.Render(turns, tokenizer);

            // Alpaca has no template text for BOS: like Alpaca's training code it takes the tokenizer's defaults.
            int[] whole = tokenizer.Encode(rendered.Text, addSpecialTokens: name == "alpaca");
            Assert.Equal(whole, rendered.Ids);
            Assert.Equal(rendered.Ids.Length, rendered.AssistantMask.Length);
        }
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Render_RandomConversations_MaskHasOneSpanPerReplyEndingInEndOfTurn(string name, string tokenizerPath)
    {
        Tokenizer tokenizer = ChatTestAssets.Load(tokenizerPath);
        ChatTemplate template = Template(name, tokenizer);
        int endOfTurn = EndOfTurnId(name, tokenizer);

        foreach (IReadOnlyList<ChatTurn> turns in ChatConversations.Random(80, seed: 22))
        {
            RenderedChat rendered = template.Render(turns, tokenizer);

            List<(int Start, int End)> spans = Spans(rendered.AssistantMask);
            Assert.Equal(turns.Count(t => t.Role == ChatRoles.Assistant), spans.Count);
            Assert.All(spans, s => Assert.Equal(endOfTurn, rendered.Ids[s.End - 1]));
        }
    }

    [Theory]
    [MemberData(nameof(WholeStringPairs))]
    public void Render_RandomConversations_TextBeforeEachReplyEncodesToUnmaskedPrefix(string name, string tokenizerPath)
    {
        // Checks exact boundaries: what precedes a span is the encoding of the text before the reply. The random
        // replies never start with whitespace that merges with the header, so no token straddles a boundary here.
        Tokenizer tokenizer = ChatTestAssets.Load(tokenizerPath);
        ChatTemplate template = Template(name, tokenizer);
        IEnumerable<IReadOnlyList<ChatTurn>> conversations = ChatConversations.Random(40, seed: 23)
            .Select(c => (IReadOnlyList<ChatTurn>)[.. c.Select(WithPlainStart)]);

        foreach (IReadOnlyList<ChatTurn> turns in conversations)
        {
            RenderedChat rendered = template.Render(turns, tokenizer);
            List<(int Start, int End)> spans = Spans(rendered.AssistantMask);
            int searchFrom = 0;
            foreach ((int start, _) in spans)
            {
                string reply = name == "llama2" ? " Sure: " : "Sure: ";
                int replyAt = rendered.Text.IndexOf(reply, searchFrom, StringComparison.Ordinal);
                int[] before = tokenizer.Encode(rendered.Text[..replyAt], addSpecialTokens: name == "alpaca");
                Assert.Equal(before, rendered.Ids[..start]);
                searchFrom = replyAt + 1;
            }
        }
    }

    [Fact]
    public void Render_ReplyStartingWithNewlineInChatML_MasksTheMergedNewlineToken()
    {
        // Whole-string BPE joins the header's "\n" with the reply's: the straddling token is trained, as in
        // transformers' assistant mask; the ids still equal the whole-string encoding.
        Tokenizer tokenizer = ChatTestAssets.Load("tokenizers/qwen3");
        IReadOnlyList<ChatTurn> turns = [new(ChatRoles.User, "Hi"), new(ChatRoles.Assistant, "\nIndented")];

        RenderedChat rendered = ChatTemplates.Get("chatml").Render(turns, tokenizer);

        (int start, int end) = Assert.Single(Spans(rendered.AssistantMask));
        Assert.Equal("\n\nIndented<|im_end|>", tokenizer.Decode(rendered.Ids.AsSpan(start, end - start)));
        Assert.Equal(tokenizer.Encode(rendered.Text, addSpecialTokens: false), rendered.Ids);
    }

    [Fact]
    public void Render_TinyStoriesAlpaca_EmitsEosIdWhereWholeStringSpellsItOut()
    {
        // TinyStories' added tokens are normalized, and its normalizer prepends U+2581 to them too, so the tokenizer
        // finds "<|end_story|>" only after a space: the whole string spells it out. Render still ends replies in
        // the EOS id, which is what the whole string gives once that space is there.
        Tokenizer tokenizer = ChatTestAssets.Load("models/tinystories-656k");
        IReadOnlyList<ChatTurn> turns =
        [
            new(ChatRoles.User, "Tell a story."),
            new(ChatRoles.Assistant, "Once upon a time, there was a cat."),
            new(ChatRoles.User, "Another."),
            new(ChatRoles.Assistant, "Lily had a red ball."),
        ];

        RenderedChat rendered = ChatTemplates.ForTokenizer(tokenizer, "alpaca").Render(turns, tokenizer);

        Assert.DoesNotContain(2, tokenizer.Encode(rendered.Text));
        string spaced = rendered.Text.Replace("<|end_story|>", " <|end_story|>", StringComparison.Ordinal);
        int[] withSpaces = tokenizer.Encode(spaced);
        Assert.Equal(withSpaces, rendered.Ids);
        Assert.Equal(1, rendered.Ids[0]);
        Assert.All(Spans(rendered.AssistantMask), s => Assert.Equal(2, rendered.Ids[s.End - 1]));
    }

    private static ChatTurn WithPlainStart(ChatTurn turn)
    {
        return turn.Role == ChatRoles.Assistant ? new ChatTurn(turn.Role, "Sure: " + turn.Content) : turn;
    }

    internal static ChatTemplate Template(string name, Tokenizer tokenizer)
    {
        // The mistral asset is a ChatML fine-tune whose EOS is <|im_end|>; the [INST] families keep their </s>.
        return name is "llama2" or "mistral" ? ChatTemplates.Get(name) : ChatTemplates.ForTokenizer(tokenizer, name);
    }

    internal static List<(int Start, int End)> Spans(bool[] mask)
    {
        var spans = new List<(int Start, int End)>();
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] && (i == 0 || !mask[i - 1]))
            {
                int end = i;
                while (end < mask.Length && mask[end])
                {
                    end++;
                }

                spans.Add((i, end));
            }
        }

        return spans;
    }

    private static int EndOfTurnId(string name, Tokenizer tokenizer)
    {
        string token = name switch
        {
            "chatml" => "<|im_end|>",
            "llama3" => "<|eot_id|>",
            "llama2" or "mistral" => "</s>",
            _ => tokenizer.EosToken!,
        };
        return tokenizer.TokenToId(token)!.Value;
    }
}
