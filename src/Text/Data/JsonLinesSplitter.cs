using System.Buffers;
using System.Text.Json;

namespace FineTune.Text.Data;

/// <summary>
/// JSON Lines: one record per line, blank lines skipped. A bad line is reported and reading goes on with the next,
/// since lines are independent. Splitting on the '\n' byte is safe in UTF-8: it never occurs inside a multi-byte
/// character, and JSON strings escape their newlines.
/// </summary>
internal sealed class JsonLinesSplitter(RecordProcessor processor) : RecordSplitter(processor)
{
    private readonly ArrayBufferWriter<byte> _partialLine = new();
    private int _line = 1;

    public override string EmptyMessage => "the file has no records";

    public override void Append(ReadOnlySpan<byte> data)
    {
        while (true)
        {
            int newline = data.IndexOf((byte)'\n');
            if (newline < 0)
            {
                _partialLine.Write(data);
                return;
            }

            if (_partialLine.WrittenCount == 0)
            {
                ProcessLine(data[..newline]);
            }
            else
            {
                _partialLine.Write(data[..newline]);
                ProcessLine(_partialLine.WrittenSpan);
                _partialLine.ResetWrittenCount();
            }

            data = data[(newline + 1)..];
            _line++;
        }
    }

    public override void Complete()
    {
        if (_partialLine.WrittenCount > 0)
        {
            ProcessLine(_partialLine.WrittenSpan);
            _partialLine.ResetWrittenCount();
        }
    }

    private void ProcessLine(ReadOnlySpan<byte> line)
    {
        if (line.IndexOfAnyExcept(" \t\r"u8) < 0)
        {
            return;
        }

        if (JsonErrors.InvalidUtf8(line, "line") is { } encodingError)
        {
            Processor.OnUnreadableRecord(_line, encodingError);
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line.ToArray(), JsonFields.DocumentOptions);
        }
        catch (JsonException exception)
        {
            Processor.OnUnreadableRecord(
                _line, $"invalid JSON: {JsonErrors.Describe(exception)}{JsonErrors.Column(exception)}");
            return;
        }

        using (document)
        {
            Processor.OnRecord(document.RootElement, _line);
        }
    }
}
