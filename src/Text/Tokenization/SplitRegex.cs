using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace FineTune.Text.Tokenization;

/// <summary>
/// A pre-tokenizer regex that matches by code point, as JavaScript's <c>u</c> flag and Oniguruma do.
/// .NET regexes see UTF-16 units, so <c>\p{L}</c> never matches an astral letter (a surrogate pair). Before matching,
/// each astral code point is therefore swapped for one BMP stand-in of the same general category, and match offsets
/// are mapped back. Text without surrogates (the common case) is matched as is.
/// </summary>
internal sealed class SplitRegex
{
    // JavaScript's \s (used by the reference's built-in GPT-2 pattern) differs from Unicode White_Space:
    // it adds U+FEFF and leaves out U+0085.
    private const string JsSpace = @"\t\n\v\f\r\p{Zs}\u2028\u2029\uFEFF";

    private const string Gpt2Pattern =
        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" + JsSpace + "\\p{L}\\p{N}]+|[" + JsSpace + "]+(?![^"
        + JsSpace + "])|[" + JsSpace + "]+";

    private static readonly Lazy<SplitRegex> s_gpt2 = new(() => new SplitRegex(Gpt2Pattern));

    private readonly Regex _regex;
    private readonly string? _literal;

    private SplitRegex(string dotnetPattern, string? literal = null)
    {
        _regex = new Regex(dotnetPattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        _literal = literal;
    }

    /// <summary>The pattern the reference's ByteLevel pre-tokenizer applies when <c>use_regex</c> is true.</summary>
    public static SplitRegex Gpt2 => s_gpt2.Value;

    /// <summary>Compiles a <c>tokenizer.json</c> (Oniguruma) pattern.</summary>
    public static SplitRegex FromOniguruma(string pattern)
    {
        string translated = OnigurumaTranslator.Translate(pattern);
        try
        {
            return new SplitRegex(translated);
        }
        catch (ArgumentException ex)
        {
            throw new NotSupportedException($"Regex '{pattern}' has no .NET equivalent: {ex.Message}", ex);
        }
    }

    /// <summary>Compiles a literal string pattern.</summary>
    public static SplitRegex FromLiteral(string literal) => new(Regex.Escape(literal), literal);

    /// <summary>Whether the pattern has capturing groups (which change how JavaScript's split behaves).</summary>
    public bool HasCaptureGroups => _regex.GetGroupNumbers().Length > 1;

    /// <summary>Replaces every match with <paramref name="replacement"/>, taken literally.</summary>
    public string Replace(string text, string replacement)
    {
        if (_literal is not null)
        {
            return text.Replace(_literal, replacement, StringComparison.Ordinal);
        }

        var matches = new List<(int Start, int Length)>();
        Matches(text, matches);
        if (matches.Count == 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        int position = 0;
        foreach ((int start, int length) in matches)
        {
            builder.Append(text, position, start - position).Append(replacement);
            position = start + length;
        }

        return builder.Append(text, position, text.Length - position).ToString();
    }

    /// <summary>Appends the start and length (in UTF-16 units of <paramref name="text"/>) of every non-empty match.</summary>
    public void Matches(string text, List<(int Start, int Length)> matches)
    {
        if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            foreach (ValueMatch match in _regex.EnumerateMatches(text))
            {
                if (match.Length > 0)
                {
                    matches.Add((match.Index, match.Length));
                }
            }

            return;
        }

        string projected = Project(text, out int[] offsets);
        foreach (ValueMatch match in _regex.EnumerateMatches(projected))
        {
            if (match.Length > 0)
            {
                int start = offsets[match.Index];
                matches.Add((start, offsets[match.Index + match.Length] - start));
            }
        }
    }

    /// <summary>Replaces each surrogate pair by a BMP character of the same category; offsets maps back.</summary>
    private static string Project(string text, out int[] offsets)
    {
        var builder = new StringBuilder(text.Length);
        var map = new List<int>(text.Length + 1);
        for (int i = 0; i < text.Length; i++)
        {
            map.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                int codePoint = char.ConvertToUtf32(text[i], text[i + 1]);
                builder.Append(StandIn(CharUnicodeInfo.GetUnicodeCategory(codePoint)));
                i++;
            }
            else
            {
                builder.Append(text[i]);
            }
        }

        map.Add(text.Length);
        offsets = [.. map];
        return builder.ToString();
    }

    private static char StandIn(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter => '\u0100',
        UnicodeCategory.LowercaseLetter => '\u0101',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u05D0',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0660',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u00AB',
        UnicodeCategory.FinalQuotePunctuation => '\u00BB',
        UnicodeCategory.OtherPunctuation => '\u00B6',
        UnicodeCategory.MathSymbol => '\u00AC',
        UnicodeCategory.CurrencySymbol => '\u00A2',
        UnicodeCategory.ModifierSymbol => '\u02C2',
        UnicodeCategory.OtherSymbol => '\u00A9',
        UnicodeCategory.Format => '\u200B',
        UnicodeCategory.PrivateUse => '\uE000',
        _ => '\u0378',
    };
}
