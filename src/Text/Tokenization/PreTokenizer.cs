using System.Buffers;
using System.Text;
using System.Text.Json;

namespace FineTune.Text.Tokenization;

/// <summary>
/// A <c>pre_tokenizer</c> from <c>tokenizer.json</c>: cuts normalized text into the words that BPE merges within.
/// Semantics follow the reference (tokenizers.js), which differs from the Rust crate in places: Metaspace does not
/// split on spaces, and Split treats every behavior other than "Removed" as "Isolated".
/// </summary>
internal abstract class PreTokenizer
{
    /// <summary>Appends the words of <paramref name="text"/>; <paramref name="sectionIndex"/> counts added-token splits.</summary>
    public abstract void PreTokenize(string text, int sectionIndex, List<string> words);

    /// <summary>Builds the pre-tokenizer described by <paramref name="config"/>; null when it is JSON null.</summary>
    public static PreTokenizer? Create(JsonElement? config, string sourcePath)
    {
        if (config is not { } element)
        {
            return null;
        }

        switch (element.TypeName())
        {
            case "Sequence":
            {
                var steps = new List<PreTokenizer>();
                if (element.Get("pretokenizers") is { } list)
                {
                    foreach (JsonElement item in list.EnumerateArray())
                    {
                        if (Create(item, sourcePath) is { } step)
                        {
                            steps.Add(step);
                        }
                    }
                }

                return new SequencePreTokenizer(steps);
            }

            case "ByteLevel":
                return new ByteLevelPreTokenizer(
                    element.GetBool("add_prefix_space", false), element.GetBool("use_regex", true));
            case "Split":
                return CreateSplit(element, sourcePath);
            case "Metaspace":
            {
                string replacement = element.GetString("replacement", "\u2581")!;
                string? strRep = element.GetString("str_rep");
                string scheme = element.GetString("prepend_scheme", "always")!;
                return new MetaspacePreTokenizer(replacement, string.IsNullOrEmpty(strRep) ? replacement : strRep, scheme);
            }

            default:
                throw JsonConfig.Unsupported("PreTokenizer", element, sourcePath);
        }
    }

    private static SplitPreTokenizer CreateSplit(JsonElement element, string sourcePath)
    {
        SplitRegex? pattern = element.ReadPattern(sourcePath);
        bool invert = element.GetBool("invert", false);
        bool removed = string.Equals(element.GetString("behavior"), "removed", StringComparison.OrdinalIgnoreCase);
        bool isString = element.Get("pattern")?.GetString("String") is not null;

        // JavaScript's split keeps captured groups; the reference wraps a non-inverted string pattern in one,
        // which makes "Removed" behave like "Isolated" there.
        if (removed && isString && !invert)
        {
            removed = false;
        }
        else if (removed && !invert && pattern is { HasCaptureGroups: true })
        {
            throw new NotSupportedException(
                $"Split with behavior 'Removed' and a capturing regex in '{sourcePath}' is not supported.");
        }

        return new SplitPreTokenizer(pattern, invert, removed);
    }

    private sealed class SequencePreTokenizer(List<PreTokenizer> steps) : PreTokenizer
    {
        public override void PreTokenize(string text, int sectionIndex, List<string> words)
        {
            List<string> current = [text];
            foreach (PreTokenizer step in steps)
            {
                var next = new List<string>(current.Count * 2);
                foreach (string word in current)
                {
                    step.PreTokenize(word, sectionIndex, next);
                }

                current = next;
            }

            words.AddRange(current);
        }
    }

    private sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : PreTokenizer
    {
        [ThreadStatic]
        private static List<(int Start, int Length)>? t_matches;

        public override void PreTokenize(string text, int sectionIndex, List<string> words)
        {
            if (addPrefixSpace && !text.StartsWith(' '))
            {
                text = " " + text;
            }

            if (!useRegex)
            {
                words.Add(ToAlphabet(text));
                return;
            }

            List<(int Start, int Length)> matches = t_matches ??= [];
            matches.Clear();
            SplitRegex.Gpt2.Matches(text, matches);
            foreach ((int start, int length) in matches)
            {
                words.Add(ToAlphabet(text.AsSpan(start, length)));
            }
        }

        private static string ToAlphabet(ReadOnlySpan<char> text)
        {
            // Lone surrogates become U+FFFD's bytes here, as with JavaScript's TextEncoder.
            int byteCount = Encoding.UTF8.GetByteCount(text);
            byte[]? rented = byteCount > 512 ? ArrayPool<byte>.Shared.Rent(byteCount) : null;
            Span<byte> bytes = rented is null ? stackalloc byte[byteCount] : rented.AsSpan(0, byteCount);
            Encoding.UTF8.GetBytes(text, bytes);
            string result = ByteLevelAlphabet.Encode(bytes);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }

            return result;
        }
    }

    private sealed class SplitPreTokenizer(SplitRegex? pattern, bool invert, bool removed) : PreTokenizer
    {
        public override void PreTokenize(string text, int sectionIndex, List<string> words)
        {
            if (pattern is null)
            {
                return;
            }

            var matches = new List<(int Start, int Length)>();
            pattern.Matches(text, matches);
            int previous = 0;
            foreach ((int start, int length) in matches)
            {
                if (!invert && start > previous)
                {
                    words.Add(text[previous..start]);
                }

                if (invert || !removed)
                {
                    words.Add(text.Substring(start, length));
                }

                previous = start + length;
            }

            if (!invert && previous < text.Length)
            {
                words.Add(text[previous..]);
            }
        }
    }

    private sealed class MetaspacePreTokenizer(string replacement, string strRep, string prependScheme) : PreTokenizer
    {
        public override void PreTokenize(string text, int sectionIndex, List<string> words)
        {
            string normalized = text.Replace(" ", strRep, StringComparison.Ordinal);
            bool prepend = prependScheme == "always" || (prependScheme == "first" && sectionIndex == 0);
            if (prepend && !normalized.StartsWith(replacement, StringComparison.Ordinal))
            {
                normalized = strRep + normalized;
            }

            words.Add(normalized);
        }
    }
}
