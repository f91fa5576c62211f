using System.Text;
using System.Text.Json;

namespace FineTune.Text.Tokenization;

/// <summary>
/// A <c>decoder</c> from <c>tokenizer.json</c>: a step that rewrites the list of token strings on the way back to text.
/// The tokenizer joins the final list. Quirks of the reference are kept: the ByteLevel decoder reads characters outside
/// its alphabet as byte 0 and keeps a byte-order mark, while ByteFallback drops one at the start of each byte run.
/// </summary>
internal abstract class TokenDecoder
{
    /// <summary>Returns the rewritten token strings.</summary>
    public abstract List<string> DecodeChain(List<string> tokens);

    /// <summary>Builds the decoder described by <paramref name="config"/>; null when it is JSON null.</summary>
    public static TokenDecoder? Create(JsonElement? config, IReadOnlySet<string> addedTokens, string sourcePath)
    {
        if (config is not { } element)
        {
            return null;
        }

        switch (element.TypeName())
        {
            case "Sequence":
            {
                var steps = new List<TokenDecoder>();
                if (element.Get("decoders") is { } list)
                {
                    foreach (JsonElement item in list.EnumerateArray())
                    {
                        if (Create(item, addedTokens, sourcePath) is { } step)
                        {
                            steps.Add(step);
                        }
                    }
                }

                return new SequenceDecoder(steps);
            }

            case "ByteLevel":
                return new ByteLevelDecoder(addedTokens);
            case "Replace":
                return new ReplaceDecoder(element.ReadPattern(sourcePath), element.GetString("content", string.Empty)!);
            case "ByteFallback":
                return new ByteFallbackDecoder();
            case "Fuse":
                return new FuseDecoder();
            case "Strip":
                return new StripDecoder(
                    element.GetString("content", string.Empty)!, element.GetInt("start", 0), element.GetInt("stop", 0));
            case "Metaspace":
                return new MetaspaceDecoder(element.GetString("replacement", "\u2581")!);
            default:
                throw JsonConfig.Unsupported("Decoder", element, sourcePath);
        }
    }

    private sealed class SequenceDecoder(List<TokenDecoder> steps) : TokenDecoder
    {
        public override List<string> DecodeChain(List<string> tokens)
        {
            foreach (TokenDecoder step in steps)
            {
                tokens = step.DecodeChain(tokens);
            }

            return tokens;
        }
    }

    private sealed class ByteLevelDecoder(IReadOnlySet<string> addedTokens) : TokenDecoder
    {
        public override List<string> DecodeChain(List<string> tokens)
        {
            var result = new List<string>();
            var bytes = new List<byte>();
            foreach (string token in tokens)
            {
                if (addedTokens.Contains(token))
                {
                    Flush(bytes, result);
                    result.Add(token);
                    continue;
                }

                for (int i = 0; i < token.Length; i++)
                {
                    int value = ByteLevelAlphabet.ToByte(token[i]);
                    bytes.Add(value < 0 ? (byte)0 : (byte)value);
                    if (char.IsHighSurrogate(token[i]) && i + 1 < token.Length && char.IsLowSurrogate(token[i + 1]))
                    {
                        i++;
                    }
                }
            }

            Flush(bytes, result);
            return result;
        }

        private static void Flush(List<byte> bytes, List<string> result)
        {
            if (bytes.Count > 0)
            {
                result.Add(Encoding.UTF8.GetString([.. bytes]));
                bytes.Clear();
            }
        }
    }

    private sealed class ReplaceDecoder(SplitRegex? pattern, string content) : TokenDecoder
    {
        public override List<string> DecodeChain(List<string> tokens) =>
            pattern is null ? tokens : tokens.ConvertAll(token => pattern.Replace(token, content));
    }

    private sealed class ByteFallbackDecoder : TokenDecoder
    {
        public override List<string> DecodeChain(List<string> tokens)
        {
            var result = new List<string>(tokens.Count);
            var bytes = new List<byte>();
            foreach (string token in tokens)
            {
                if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                    && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out byte value))
                {
                    bytes.Add(value);
                    continue;
                }

                Flush(bytes, result);
                result.Add(token);
            }

            Flush(bytes, result);
            return result;
        }

        private static void Flush(List<byte> bytes, List<string> result)
        {
            if (bytes.Count == 0)
            {
                return;
            }

            // A default TextDecoder swallows a leading byte-order mark.
            ReadOnlySpan<byte> span = [.. bytes];
            if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                span = span[3..];
            }

            result.Add(Encoding.UTF8.GetString(span));
            bytes.Clear();
        }
    }

    private sealed class FuseDecoder : TokenDecoder
    {
        public override List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
    }

    private sealed class StripDecoder(string content, int start, int stop) : TokenDecoder
    {
        public override List<string> DecodeChain(List<string> tokens) => tokens.ConvertAll(Strip);

        private string Strip(string token)
        {
            // The reference compares one character at a time with the whole content string.
            bool single = content.Length == 1;
            int startCut = 0;
            for (int i = 0; i < start && single && i < token.Length && token[i] == content[0]; i++)
            {
                startCut = i + 1;
            }

            int stopCut = token.Length;
            for (int i = 0; i < stop && single && token.Length - i - 1 >= 0 && token[token.Length - i - 1] == content[0]; i++)
            {
                stopCut = token.Length - i - 1;
            }

            return stopCut > startCut ? token[startCut..stopCut] : string.Empty;
        }
    }

    private sealed class MetaspaceDecoder(string replacement) : TokenDecoder
    {
        public override List<string> DecodeChain(List<string> tokens)
        {
            var result = new List<string>(tokens.Count);
            for (int i = 0; i < tokens.Count; i++)
            {
                string text = tokens[i].Replace(replacement, " ", StringComparison.Ordinal);
                result.Add(i == 0 && text.StartsWith(' ') ? text[1..] : text);
            }

            return result;
        }
    }
}
