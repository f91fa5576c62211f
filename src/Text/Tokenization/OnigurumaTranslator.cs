using System.Globalization;
using System.Text;

namespace FineTune.Text.Tokenization;

/// <summary>
/// Rewrites the Oniguruma regex dialect of <c>tokenizer.json</c> into .NET syntax with the semantics the reference
/// (tokenizers.js) gives it: <c>(?i:...)</c> folds ASCII letters only, possessive <c>++</c> is read as <c>+</c>,
/// <c>X{n,m}+</c> repeats the bounded group, and <c>^</c>/<c>$</c> are line anchors. <c>\s</c> passes through
/// because .NET's <c>\s</c> is exactly Unicode White_Space, which is what the reference uses.
/// Constructs it cannot reproduce (nested or intersected classes, case folding inside classes) are rejected.
/// </summary>
internal static class OnigurumaTranslator
{
    /// <summary>Translates <paramref name="pattern"/>; throws <see cref="NotSupportedException"/> when it cannot.</summary>
    public static string Translate(string pattern)
    {
        var output = new StringBuilder(pattern.Length + 16);
        var foldStack = new Stack<(int OutputStart, bool Fold)>();
        bool fold = false;
        int atomStart = -1;
        bool lastWasQuantifier = false;
        int i = 0;
        while (i < pattern.Length)
        {
            char c = pattern[i];
            if (c == '\\')
            {
                atomStart = output.Length;
                i = AppendEscape(pattern, i, output, inClass: false, fold);
                lastWasQuantifier = false;
                continue;
            }

            switch (c)
            {
                case '[':
                    atomStart = output.Length;
                    i = AppendClass(pattern, i, output, fold);
                    lastWasQuantifier = false;
                    continue;
                case '(':
                {
                    string prefix = GroupPrefix(pattern, i);
                    foldStack.Push((output.Length, fold));
                    fold = prefix == "(?i:" || (fold && prefix != "(?-i:");
                    output.Append(prefix is "(?i:" or "(?>" or "(?-i:" ? "(?:" : prefix);
                    i += prefix.Length;
                    lastWasQuantifier = false;
                    continue;
                }

                case ')':
                    output.Append(')');
                    (atomStart, fold) = foldStack.Count > 0 ? foldStack.Pop() : (-1, false);
                    lastWasQuantifier = false;
                    i++;
                    continue;
                case '|':
                    output.Append('|');
                    atomStart = -1;
                    lastWasQuantifier = false;
                    i++;
                    continue;
                case '{':
                    i = AppendBrace(pattern, i, output, ref atomStart, ref lastWasQuantifier);
                    continue;
                case '}':
                    atomStart = output.Length;
                    output.Append("\\}");
                    lastWasQuantifier = false;
                    i++;
                    continue;
                case '+':
                    // Oniguruma's possessive X++ has no .NET form; the reference drops the second '+' too.
                    if (!lastWasQuantifier)
                    {
                        output.Append('+');
                    }

                    lastWasQuantifier = true;
                    i++;
                    continue;
                case '*':
                case '?':
                    output.Append(c);
                    lastWasQuantifier = true;
                    i++;
                    continue;
                case '.':
                    atomStart = output.Length;
                    output.Append("[^\\n]");
                    lastWasQuantifier = false;
                    i++;
                    continue;
                case '^':
                    output.Append("(?m:^)");
                    i++;
                    continue;
                case '$':
                    output.Append("(?m:$)");
                    i++;
                    continue;
                default:
                    atomStart = output.Length;
                    AppendLiteral(output, c, fold);
                    lastWasQuantifier = false;
                    i++;
                    continue;
            }
        }

        return output.ToString();
    }

    private static string GroupPrefix(string pattern, int index)
    {
        ReadOnlySpan<char> rest = pattern.AsSpan(index);
        foreach (string prefix in (ReadOnlySpan<string>)["(?i:", "(?-i:", "(?:", "(?=", "(?!", "(?<=", "(?<!", "(?>"])
        {
            if (rest.StartsWith(prefix, StringComparison.Ordinal))
            {
                return prefix;
            }
        }

        if (rest.StartsWith("(?<", StringComparison.Ordinal) || rest.StartsWith("(?", StringComparison.Ordinal))
        {
            int close = rest.IndexOfAny('>', ':', ')');
            if (rest.StartsWith("(?<", StringComparison.Ordinal) && close > 0 && rest[close] == '>')
            {
                return rest[..(close + 1)].ToString();
            }

            throw new NotSupportedException($"Regex group '{rest[..Math.Min(rest.Length, 6)]}' is not supported.");
        }

        return "(";
    }

    private static int AppendBrace(string pattern, int index, StringBuilder output, ref int atomStart, ref bool lastWasQuantifier)
    {
        int close = pattern.IndexOf('}', index);
        string body = close > index ? pattern[(index + 1)..close] : string.Empty;
        bool isQuantifier = close > index && body.Length > 0 && body.All(ch => char.IsAsciiDigit(ch) || ch == ',')
            && body.Count(ch => ch == ',') <= 1 && body != ",";
        if (!isQuantifier || atomStart < 0)
        {
            atomStart = output.Length;
            output.Append("\\{");
            lastWasQuantifier = false;
            return index + 1;
        }

        if (body[0] == ',')
        {
            body = "0" + body;
        }

        int next = close + 1;
        if (next < pattern.Length && pattern[next] is '+' or '*')
        {
            // Oniguruma stacks quantifiers: X{2}+ means (X{2})+, not a possessive X{2}.
            string atom = output.ToString(atomStart, output.Length - atomStart);
            output.Length = atomStart;
            output.Append("(?:").Append(atom).Append('{').Append(body).Append("})").Append(pattern[next]);
            next++;
        }
        else
        {
            output.Append('{').Append(body).Append('}');
        }

        lastWasQuantifier = true;
        return next;
    }

    private static int AppendClass(string pattern, int index, StringBuilder output, bool fold)
    {
        output.Append('[');
        int i = index + 1;
        if (i < pattern.Length && pattern[i] == '^')
        {
            output.Append('^');
            i++;
        }

        if (i < pattern.Length && pattern[i] == ']')
        {
            output.Append("\\]");
            i++;
        }

        while (i < pattern.Length)
        {
            char c = pattern[i];
            if (c == ']')
            {
                output.Append(']');
                return i + 1;
            }

            if (c == '[' || (c == '&' && i + 1 < pattern.Length && pattern[i + 1] == '&'))
            {
                throw new NotSupportedException("Nested or intersected regex character classes are not supported.");
            }

            if (c == '\\')
            {
                i = AppendEscape(pattern, i, output, inClass: true, fold);
                continue;
            }

            if (fold && char.IsAsciiLetter(c))
            {
                throw new NotSupportedException("Case-insensitive regex character classes are not supported.");
            }

            output.Append(c);
            i++;
        }

        throw new NotSupportedException("Unterminated regex character class.");
    }

    private static int AppendEscape(string pattern, int index, StringBuilder output, bool inClass, bool fold)
    {
        if (index + 1 >= pattern.Length)
        {
            throw new NotSupportedException("Regex ends with a lone backslash.");
        }

        char next = pattern[index + 1];
        if ((next is 'p' or 'P' or 'x') && index + 2 < pattern.Length && pattern[index + 2] == '{')
        {
            int close = pattern.IndexOf('}', index + 3);
            if (close < 0)
            {
                throw new NotSupportedException("Unterminated braced regex escape.");
            }

            string body = pattern[(index + 3)..close];
            if (next != 'x')
            {
                output.Append('\\').Append(next).Append('{').Append(body).Append('}');
                return close + 1;
            }

            int codePoint = int.Parse(body, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (codePoint > 0xFFFF)
            {
                throw new NotSupportedException($"Regex code point escape \\x{{{body}}} outside the BMP is not supported.");
            }

            AppendLiteral(output, (char)codePoint, fold && !inClass);
            return close + 1;
        }

        switch (next)
        {
            case 'h':
                output.Append(inClass ? "0-9A-Fa-f" : "[0-9A-Fa-f]");
                break;
            case 'H' when !inClass:
                output.Append("[^0-9A-Fa-f]");
                break;
            case 'G' when !inClass:
                // The reference drops \G; every match of a split pattern starts where the last one ended anyway.
                break;
            default:
                output.Append('\\').Append(next);
                break;
        }

        return index + 2;
    }

    private static void AppendLiteral(StringBuilder output, char c, bool fold)
    {
        if (fold && char.IsAsciiLetter(c))
        {
            output.Append('[').Append(char.ToLowerInvariant(c)).Append(char.ToUpperInvariant(c)).Append(']');
            return;
        }

        if ("\\^$.|?*+()[]{}".Contains(c, StringComparison.Ordinal))
        {
            output.Append('\\');
        }

        output.Append(c);
    }
}
