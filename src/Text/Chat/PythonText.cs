namespace FineTune.Text.Chat;

/// <summary>
/// Python's <c>str.strip()</c>, which the Hugging Face templates call (directly or as Jinja's <c>trim</c>) under
/// transformers. Its whitespace is .NET's plus the four information separators U+001C..U+001F, so
/// <see cref="string.Trim()"/> alone would keep those.
/// </summary>
internal static class PythonText
{
    public static string Strip(string text)
    {
        int start = 0;
        int end = text.Length;
        while (start < end && IsWhiteSpace(text[start]))
        {
            start++;
        }

        while (end > start && IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        return text[start..end];
    }

    private static bool IsWhiteSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001c' and <= '\u001f';
}
