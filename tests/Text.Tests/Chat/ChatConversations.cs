using FineTune.Text.Chat;

namespace FineTune.Text.Tests.Chat;

/// <summary>Conversations the chat tests render: one written out, plus seeded random ones full of edge cases.</summary>
internal static class ChatConversations
{
    /// <summary>Message texts chosen to poke at whitespace handling, SentencePiece prefixes and BPE merges.</summary>
    private static readonly string[] s_fragments =
    [
        "Hello",
        "Hi there!",
        " leading space",
        "trailing space ",
        "\nnewline first",
        "newline last\n",
        "\n\nblank lines\n\n",
        "  padded  ",
        "",
        "multi\nline\ntext",
        "tab\tseparated",
        "caf\u00e9 na\u00efve r\u00e9sum\u00e9",
        "\u4f60\u597d\uff0c\u4e16\u754c",
        "emoji \ud83d\ude00 ok",
        "numbers 12345 and 3.14",
        "code: `for (int i = 0; i < n; i++) { x += i; }`",
        "What's 2+2?",
        "It's 4.",
        "[INST] not a tag [/INST]",
        "### Response: not a header",
        "<<SYS>> not a block",
        "   ",
        "\r\nwindows line\r\n",
        "1. first\n2. second",
    ];

    public static IReadOnlyList<ChatTurn> Simple { get; } =
    [
        new(ChatRoles.System, "Be brief."),
        new(ChatRoles.User, "Hi there"),
        new(ChatRoles.Assistant, "Hello!"),
        new(ChatRoles.User, "What's 2+2?"),
        new(ChatRoles.Assistant, "4"),
    ];

    /// <summary>
    /// Random conversations: an optional system turn, then alternating user/assistant turns (ending on either); with
    /// <paramref name="tools"/>, tool turns may follow an assistant turn. Deterministic for a seed.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<ChatTurn>> Random(
        int count, int seed, bool system = true, bool tools = false)
    {
        var random = new Random(seed);
        var conversations = new List<IReadOnlyList<ChatTurn>>(count);
        for (int c = 0; c < count; c++)
        {
            var turns = new List<ChatTurn>();
            if (system && random.Next(2) == 0)
            {
                turns.Add(new ChatTurn(ChatRoles.System, Text(random)));
            }

            int exchanges = 1 + random.Next(3);
            for (int e = 0; e < exchanges; e++)
            {
                turns.Add(new ChatTurn(ChatRoles.User, Text(random)));
                if (e == exchanges - 1 && random.Next(3) == 0)
                {
                    break;
                }

                turns.Add(new ChatTurn(ChatRoles.Assistant, Text(random)));
                int toolTurns = tools && e < exchanges - 1 ? random.Next(3) : 0;
                for (int t = 0; t < toolTurns; t++)
                {
                    turns.Add(new ChatTurn(ChatRoles.Tool, Text(random)));
                }

                if (toolTurns > 0)
                {
                    turns.Add(new ChatTurn(ChatRoles.Assistant, Text(random)));
                }
            }

            conversations.Add(turns);
        }

        return conversations;
    }

    /// <summary>The conversations with a final user turn added where missing, so each waits for a reply.</summary>
    public static IReadOnlyList<IReadOnlyList<ChatTurn>> EndingWithUser(
        IEnumerable<IReadOnlyList<ChatTurn>> conversations)
    {
        return
        [
            .. conversations.Select(c => c.Count > 0 && c[^1].Role == ChatRoles.User
                ? c
                : (IReadOnlyList<ChatTurn>)[.. c, new ChatTurn(ChatRoles.User, "And then?")]),
        ];
    }

    private static string Text(Random random)
    {
        int parts = 1 + random.Next(3);
        return string.Join(
            random.Next(2) == 0 ? " " : "",
            Enumerable.Range(0, parts).Select(_ => s_fragments[random.Next(s_fragments.Length)]));
    }
}
