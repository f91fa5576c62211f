using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FineTune.Text.Tokenization;

/// <summary>
/// A <c>normalizer</c> from <c>tokenizer.json</c>: a pure string-to-string step applied to each stretch of text
/// between added tokens, before pre-tokenization.
/// </summary>
internal abstract class TextNormalizer
{
    /// <summary>Returns the normalized text.</summary>
    public abstract string Normalize(string text);

    /// <summary>Builds the normalizer described by <paramref name="config"/>; null when it is JSON null.</summary>
    public static TextNormalizer? Create(JsonElement? config, string sourcePath)
    {
        if (config is not { } element)
        {
            return null;
        }

        switch (element.TypeName())
        {
            case "Sequence":
            {
                var steps = new List<TextNormalizer>();
                if (element.Get("normalizers") is { } list)
                {
                    foreach (JsonElement item in list.EnumerateArray())
                    {
                        if (Create(item, sourcePath) is { } step)
                        {
                            steps.Add(step);
                        }
                    }
                }

                return new SequenceNormalizer(steps);
            }

            case "Replace":
                return new ReplaceNormalizer(element.ReadPattern(sourcePath), element.GetString("content", string.Empty)!);
            case "Prepend":
                return new PrependNormalizer(element.GetString("prepend", string.Empty)!);
            case "NFC":
                return new UnicodeFormNormalizer(NormalizationForm.FormC);
            case "NFD":
                return new UnicodeFormNormalizer(NormalizationForm.FormD);
            case "NFKC":
                return new UnicodeFormNormalizer(NormalizationForm.FormKC);
            case "NFKD":
                return new UnicodeFormNormalizer(NormalizationForm.FormKD);
            case "Lowercase":
                return new LowercaseNormalizer();
            case "Strip":
                return new StripNormalizer(element.GetBool("strip_left", false), element.GetBool("strip_right", false));
            case "StripAccents":
                return new StripAccentsNormalizer();
            default:
                throw JsonConfig.Unsupported("Normalizer", element, sourcePath);
        }
    }

    private sealed class SequenceNormalizer(List<TextNormalizer> steps) : TextNormalizer
    {
        public override string Normalize(string text)
        {
            foreach (TextNormalizer step in steps)
            {
                text = step.Normalize(text);
            }

            return text;
        }
    }

    private sealed class ReplaceNormalizer(SplitRegex? pattern, string content) : TextNormalizer
    {
        public override string Normalize(string text) => pattern is null ? text : pattern.Replace(text, content);
    }

    private sealed class PrependNormalizer(string prefix) : TextNormalizer
    {
        public override string Normalize(string text) => prefix + text;
    }

    private sealed class LowercaseNormalizer : TextNormalizer
    {
        public override string Normalize(string text) => text.ToLowerInvariant();
    }

    private sealed class StripNormalizer(bool left, bool right) : TextNormalizer
    {
        public override string Normalize(string text)
        {
            if (left)
            {
                text = JsText.TrimStart(text);
            }

            return right ? JsText.TrimEnd(text) : text;
        }
    }

    private sealed class StripAccentsNormalizer : TextNormalizer
    {
        public override string Normalize(string text)
        {
            var builder = new StringBuilder(text.Length);
            for (int i = 0; i < text.Length; i++)
            {
                bool pair = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
                UnicodeCategory category = pair
                    ? CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1]))
                    : CharUnicodeInfo.GetUnicodeCategory(text[i]);
                bool isMark = category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
                    or UnicodeCategory.EnclosingMark;
                if (!isMark)
                {
                    builder.Append(text[i]);
                    if (pair)
                    {
                        builder.Append(text[i + 1]);
                    }
                }

                i += pair ? 1 : 0;
            }

            return builder.ToString();
        }
    }

    private sealed class UnicodeFormNormalizer(NormalizationForm form) : TextNormalizer
    {
        public override string Normalize(string text)
        {
            // string.Normalize throws on a lone surrogate where JavaScript keeps it, so normalize the
            // well-formed stretches between lone surrogates one by one.
            int bad = IndexOfLoneSurrogate(text, 0);
            if (bad < 0)
            {
                return text.IsNormalized(form) ? text : text.Normalize(form);
            }

            var builder = new StringBuilder(text.Length);
            int start = 0;
            while (bad >= 0)
            {
                builder.Append(text[start..bad].Normalize(form)).Append(text[bad]);
                start = bad + 1;
                bad = IndexOfLoneSurrogate(text, start);
            }

            return builder.Append(text[start..].Normalize(form)).ToString();
        }

        private static int IndexOfLoneSurrogate(string text, int from)
        {
            for (int i = from; i < text.Length; i++)
            {
                if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                }
                else if (char.IsSurrogate(text[i]))
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
