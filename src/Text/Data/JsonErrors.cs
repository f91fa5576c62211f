using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace FineTune.Text.Data;

/// <summary>Turns <see cref="JsonException"/> messages into ones that fit a dataset error.</summary>
internal static class JsonErrors
{
    /// <summary>
    /// The parser's message without its "LineNumber: 0 | BytePositionInLine: 5." suffix: those positions are relative
    /// to the slice that was parsed, so the caller states the file position itself.
    /// </summary>
    public static string Describe(JsonException exception)
    {
        string message = exception.Message;
        int suffix = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (suffix >= 0)
        {
            message = message[..suffix];
        }

        message = message.Trim();
        return message.EndsWith('.') ? message[..^1] : message;
    }

    /// <summary>
    /// Null when the bytes are valid UTF-8, else where they are not. The JSON reader does not check the bytes inside
    /// strings (decoding them later would throw), so records are checked before they are parsed.
    /// </summary>
    public static string? InvalidUtf8(ReadOnlySpan<byte> bytes, string unit)
    {
        if (Utf8.IsValid(bytes))
        {
            return null;
        }

        int offset = 0;
        while (Rune.DecodeFromUtf8(bytes[offset..], out _, out int consumed) == OperationStatus.Done)
        {
            offset += consumed;
        }

        return $"the text is not valid UTF-8 at byte {offset + 1} of the {unit}; save the file as UTF-8";
    }

    /// <summary>The 1-based byte column of the error within its line, when the parser knows it.</summary>
    public static string Column(JsonException exception) =>
        exception.BytePositionInLine is long position ? $" (byte {position + 1} of the line)" : string.Empty;
}
