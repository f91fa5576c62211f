namespace FineTune.Text.Tokenization;

/// <summary>
/// JavaScript's notion of whitespace for <c>trim</c>, which the reference uses for added-token stripping and the
/// Strip normalizer. It differs from <see cref="char.IsWhiteSpace(char)"/>: U+FEFF counts, U+0085 does not.
/// </summary>
internal static class JsText
{
    /// <summary>Whether <paramref name="c"/> is JavaScript WhiteSpace or LineTerminator.</summary>
    public static bool IsWhiteSpace(char c) => c switch
    {
        '\t' or '\n' or '\v' or '\f' or '\r' or ' ' or '\u00A0' or '\u1680' or '\u2028' or '\u2029' or '\u202F'
            or '\u205F' or '\u3000' or '\uFEFF' => true,
        >= '\u2000' and <= '\u200A' => true,
        _ => false,
    };

    /// <summary>String.prototype.trimStart.</summary>
    public static string TrimStart(string text)
    {
        int start = 0;
        while (start < text.Length && IsWhiteSpace(text[start]))
        {
            start++;
        }

        return text[start..];
    }

    /// <summary>String.prototype.trimEnd.</summary>
    public static string TrimEnd(string text)
    {
        int end = text.Length;
        while (end > 0 && IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        return text[..end];
    }
}
