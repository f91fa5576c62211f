namespace FineTune.Text.Tokenization;

/// <summary>
/// The GPT-2 byte-to-character table: every byte maps to a printable character so that byte-level BPE
/// vocabularies can be stored as text. Printable Latin-1 bytes map to themselves; the other 68 bytes map to
/// U+0100 and up, in byte order.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] s_byteToChar = BuildByteToChar();
    private static readonly short[] s_charToByte = BuildCharToByte(s_byteToChar);

    /// <summary>The character that stands for <paramref name="value"/>.</summary>
    public static char ToChar(byte value) => s_byteToChar[value];

    /// <summary>The byte a character stands for, or -1 when the character is not in the alphabet.</summary>
    public static int ToByte(char c) => c < s_charToByte.Length ? s_charToByte[c] : -1;

    /// <summary>Maps UTF-8 bytes to their alphabet characters.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes, static (chars, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                chars[i] = s_byteToChar[source[i]];
            }
        });
    }

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char)b : (char)next++;
        }

        return table;
    }

    private static short[] BuildCharToByte(char[] byteToChar)
    {
        var table = new short[512];
        Array.Fill(table, (short)-1);
        for (int b = 0; b < 256; b++)
        {
            table[byteToChar[b]] = (short)b;
        }

        return table;
    }
}
