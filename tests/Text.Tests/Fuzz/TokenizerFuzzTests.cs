using CsCheck;
using FineTune.Text.Tests.Tokenization;
using FineTune.Text.Tokenization;

namespace FineTune.Text.Tests.Fuzz;

/// <summary>
/// Property tests of <see cref="Tokenizer"/> on the shared GPT-2 and Llama 3 tokenizers: any text encodes without
/// throwing to ids in the vocabulary, byte-level BPE decodes well-formed text back exactly, and any ids in the
/// vocabulary decode without throwing (Hugging Face's space clean-up applied where the tokenizer asks for it).
/// </summary>
public sealed class TokenizerFuzzTests
{
    // Letters, digits, spaces, punctuation, newlines, other scripts, emoji halves and control characters.
    private static readonly Gen<string> s_text = Gen.Frequency(
        (6, Gen.Char[' ', '~']),
        (2, Gen.OneOf('\n', '\r', '\t', '\u0000', '\u00a0', '\u200b', '\u202e', '\ufeff', '\ufffd')),
        (2, Gen.Char['\u00c0', '\u04ff']),
        (2, Gen.Char['\u4e00', '\u4fff']),
        (1, Gen.Char['\ud800', '\udfff'])).Array[0, 80].Select(chars => new string(chars));

    [Theory]
    [InlineData("tokenizers/gpt2")]
    [InlineData("tokenizers/llama3")]
    public void AnyText_EncodesToIdsInTheVocabulary_AndWellFormedTextRoundTrips(string folder)
    {
        Tokenizer tokenizer = TokenizerReference.Load(folder);

        s_text.Sample(text =>
        {
            int[] ids = tokenizer.Encode(text, addSpecialTokens: false);

            Assert.All(ids, id => Assert.NotNull(tokenizer.IdToToken(id)));
            string decoded = tokenizer.Decode(ids);
            if (IsWellFormed(text))
            {
                // Byte-level BPE with no normalizer gives back every character, then the clean-up when it is on.
                Assert.Equal(tokenizer.CleanUpTokenizationSpaces ? CleanUp(text) : text, decoded);
            }
        }, iter: FuzzBudget.Iterations(1500), seed: FuzzBudget.Seed, threads: 1);
    }

    [Theory]
    [InlineData("tokenizers/gpt2")]
    [InlineData("tokenizers/llama3")]
    public void AnyIdsInTheVocabulary_Decode(string folder)
    {
        Tokenizer tokenizer = TokenizerReference.Load(folder);
        int vocabulary = Enumerable.Range(0, 1 << 20).TakeWhile(id => tokenizer.IdToToken(id) is not null).Count();

        Gen.Int[0, vocabulary - 1].Array[0, 40].Sample(ids =>
        {
            string text = tokenizer.Decode(ids);

            Assert.NotNull(text);
        }, iter: FuzzBudget.Iterations(1500), seed: FuzzBudget.Seed, threads: 1);
    }

    // Hugging Face's clean_up_tokenization, written from its documented replacements (one pass each, in this order).
    private static string CleanUp(string text)
    {
        foreach ((string from, string to) in new[] { (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re") })
        {
            text = text.Replace(from, to, StringComparison.Ordinal);
        }
        return text;
    }

    private static bool IsWellFormed(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }
        return true;
    }
}
