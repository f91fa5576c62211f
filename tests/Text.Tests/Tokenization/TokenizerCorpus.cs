using System.Text;

namespace FineTune.Text.Tests.Tokenization;

/// <summary>Texts that exercise every stage of the tokenizers: spacing, scripts, byte fallback and added tokens.</summary>
internal static class TokenizerCorpus
{
    public static IReadOnlyList<string> Texts { get; } =
    [
        string.Empty,
        "Hello world",
        "The quick brown fox jumps over the lazy dog.",
        "Once upon a time, there was a little girl named Lily. She loved to play outside.",
        "  two leading spaces",
        "trailing spaces   ",
        "repeated     spaces  in   between",
        " ",
        "     ",
        "tabs\tand\nnewlines\r\n\n\tmixed \n ",
        "\n\n\n",
        "line one\nline two\r\nline three\r",
        "1234567 and 3.14 and 1,000,000 and -42 and 0.5e-10",
        "def add(a, b):\n    return a + b  # sum\n\nif (x != y) { printf(\"%d\\n\", x); }",
        "for (int i = 0; i < n; i++) { sum += a[i] * b[i]; } // dot",
        "<html><body class=\"main\">&amp; &lt;tag&gt;</body></html>",
        "\u4F60\u597D\u4E16\u754C",
        "\u3053\u3093\u306B\u3061\u306F\u4E16\u754C\u3002\u6771\u4EAC",
        "\uC548\uB155\uD558\uC138\uC694",
        "caf\u00E9 na\u00EFve r\u00E9sum\u00E9 \u00DCber Stra\u00DFe",
        "cafe\u0301 decomposed",
        "\u041F\u0440\u0438\u0432\u0435\u0442 \u043C\u0438\u0440",
        "\u0645\u0631\u062D\u0628\u0627 \u05E9\u05DC\u05D5\u05DD \u0928\u092E\u0938\u094D\u0924\u0947",
        "I \u2764\uFE0F tokens \uD83D\uDE00\uD83D\uDE00",
        "family \uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67\u200D\uD83D\uDC66 and flag \uD83C\uDDFA\uD83C\uDDF8",
        "\uD83D\uDC4D\uD83C\uDFFD thumbs",
        "\uFFFD replacement \uFFFD\uFFFD",
        "\u0000 null \u0001 controls \u007F \u001B[0m",
        "zero\u200Bwidth and \uFEFFbom and \u00A0nbsp and \u0085nel",
        "\u2028line sep\u2029 para \u3000 ideographic \u2003 em",
        "math \uD835\uDC00\uD835\uDC01 digits \uD835\uDFCE\uD835\uDFCF ext-b \uD840\uDC00",
        "private \uE000\uF8FF and unassigned \u0378",
        "I'm you're they've it's we'll I'd DON'T He'S it'\u017F",
        "<|endoftext|>",
        "Hello<|endoftext|>world <|endoftext|> x<|endoftext|><|endoftext|>",
        "<s>Hi</s> <s> spaced </s>",
        "<unk> and <unk><unk>",
        "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n",
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
        "<|start_story|>Once upon a time<|end_story|>",
        "a <|start_story|> b<|start_story|>c",
        "literal <0x41> bytes <0xZZ>",
        "<think>\nhmm\n</think>",
        new string('a', 300),
        "!!!!!!!! ???? ... ---- ==== ____",
        "Mixed\u00A0CASE with Numbers123 and under_score and camelCaseWords",
        "https://example.com/path?q=1&r=two#frag user@example.org",
        "\u00BD \u00B2 \u2160 \u2460 \u0660\u0661",
    ];

    // Fragments chosen to collide: case and long-s contractions, combining marks, astral letters and digits,
    // every whitespace flavour the regexes disagree on, and pieces of added tokens.
    private static readonly string[] s_fragments =
    [
        "a", "e", "s", "the", " ", "  ", "\t", "\n", "\r\n", "\r", "'", "'s", "'S", "'ll", "1", "23", "456", "3.14", ".", ",",
        "!", "-", "_", "(", ")", "{", "<", ">", "|", "/", "\\", "\"", "\u00E9", "e\u0301", "\u00DF", "\u0130", "\u017F",
        "\u212A", "\u4F60", "\u3002", "\uAC00", "\u0416", "\u05D0", "\u0928\u094D", "\uD83D\uDE00", "\u200D", "\uFE0F",
        "\uD83C\uDDFA", "\uD835\uDC00", "\uD835\uDFCE", "\uD840\uDC00", "\uFFFD", "\u0000", "\u007F", "\u0085", "\u00A0",
        "\uFEFF", "\u200B", "\u2028", "\u3000", "\u1680", "\u180E", "\u2581", "\u0120", "<s>", "</s>", "<unk>",
        "<|endoftext|>", "<|im_start|>", "<|start_story|>", "<|begin_of_text|>", "<0x41>", "<|", "|>", "\u00BD", "\u2160",
        "\uE000", "\u0378", "\u00AD", "\u1100\u1161\u11A8",
    ];

    /// <summary>Deterministic random concatenations of <see cref="s_fragments"/>.</summary>
    public static string[] RandomTexts(int count, int seed, int maxFragments)
    {
        var random = new Random(seed);
        var texts = new string[count];
        var builder = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            builder.Clear();
            int fragments = random.Next(maxFragments + 1);
            for (int j = 0; j < fragments; j++)
            {
                builder.Append(s_fragments[random.Next(s_fragments.Length)]);
            }

            texts[i] = builder.ToString();
        }

        return texts;
    }
}
