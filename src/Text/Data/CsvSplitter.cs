using System.Buffers;
using System.Text;
using System.Text.Json;

namespace FineTune.Text.Data;

/// <summary>
/// RFC 4180 CSV with a header row: fields split on commas, quoted fields may hold commas, line breaks and doubled
/// quotes, and records end at CRLF, LF or a lone CR. Each row becomes a JSON object of strings keyed by the header.
/// </summary>
/// <remarks>
/// A byte-level state machine, so chunks may end anywhere, even inside a character: the structural bytes (quote,
/// comma, CR, LF) are ASCII and never occur inside a multi-byte UTF-8 character. Deliberate leniencies: blank lines
/// are skipped, a quote inside an unquoted field is kept as text, and header names are trimmed. A character after a
/// closing quote (<c>"a"b</c>) is an error, as it usually means a quote was not doubled.
/// </remarks>
internal sealed class CsvSplitter(RecordProcessor processor) : RecordSplitter(processor)
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly SearchValues<byte> s_unquotedSpecials = SearchValues.Create(",\r\n"u8);
    private static readonly SearchValues<byte> s_quotedSpecials = SearchValues.Create("\"\r\n"u8);

    private readonly ArrayBufferWriter<byte> _field = new();
    private readonly List<string> _fields = [];
    private readonly ArrayBufferWriter<byte> _json = new();
    private string[]? _header;
    private State _state;
    private int _line = 1;
    private int _recordLine;
    private bool _inRecord;
    private bool _previousWasCr;
    private string? _recordError;

    private enum State
    {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }

    public override string EmptyMessage => "the CSV file has a header but no rows";

    public override void Append(ReadOnlySpan<byte> data)
    {
        int position = 0;
        while (position < data.Length)
        {
            // Plain text inside a field is copied as one run; only the bytes that can change the state are stepped.
            int run = RunLength(data[position..]);
            if (run > 0)
            {
                _field.Write(data.Slice(position, run));
                position += run;
            }
            else
            {
                Step(data[position++]);
            }
        }
    }

    public override void Complete()
    {
        if (!_inRecord)
        {
            return;
        }

        if (_state == State.Quoted)
        {
            _recordError ??= "a quoted field is never closed: the file ends before its closing quote";
        }

        EndRecord();
    }

    private int RunLength(ReadOnlySpan<byte> data)
    {
        if (!_inRecord || _previousWasCr)
        {
            return 0;
        }

        int special = _state switch
        {
            State.Unquoted => data.IndexOfAny(s_unquotedSpecials),
            State.Quoted => data.IndexOfAny(s_quotedSpecials),
            _ => 0,
        };
        return special < 0 ? data.Length : special;
    }

    private void Step(byte b)
    {
        // CRLF is one line break: the CR ends the line, and the LF after it is swallowed (or kept, inside quotes).
        bool swallowedLf = b == '\n' && _previousWasCr;
        bool lineBreak = b == '\r' || (b == '\n' && !swallowedLf);
        _previousWasCr = b == '\r';
        if (swallowedLf)
        {
            if (_inRecord && _state == State.Quoted)
            {
                _field.Write([b]);
            }

            return;
        }

        if (!_inRecord)
        {
            if (lineBreak)
            {
                _line++;
                return;
            }

            _inRecord = true;
            _recordLine = _line;
        }

        switch (_state)
        {
            case State.FieldStart when b == '"':
                _state = State.Quoted;
                break;
            case State.FieldStart:
            case State.Unquoted:
                Unquoted(b, lineBreak);
                break;
            case State.Quoted:
                if (b == '"')
                {
                    _state = State.QuoteInQuoted;
                    break;
                }

                _field.Write([b]);
                _line += lineBreak ? 1 : 0;
                break;
            case State.QuoteInQuoted:
                if (b == '"')
                {
                    _field.Write([b]);
                    _state = State.Quoted;
                    break;
                }

                if (b != ',' && !lineBreak)
                {
                    _recordError ??= $"field {_fields.Count + 1} has text after its closing quote; "
                        + "a quote inside a quoted field must be doubled";
                }

                Unquoted(b, lineBreak);
                break;
        }
    }

    private void Unquoted(byte b, bool lineBreak)
    {
        if (b == ',')
        {
            EndField();
            _state = State.FieldStart;
        }
        else if (lineBreak)
        {
            EndRecord();
            _line++;
        }
        else
        {
            _field.Write([b]);
            _state = State.Unquoted;
        }
    }

    private void EndField()
    {
        try
        {
            _fields.Add(s_strictUtf8.GetString(_field.WrittenSpan));
        }
        catch (DecoderFallbackException)
        {
            _recordError ??= $"field {_fields.Count + 1} is not valid UTF-8; save the file as UTF-8";
            _fields.Add(string.Empty);
        }

        _field.ResetWrittenCount();
    }

    private void EndRecord()
    {
        EndField();
        try
        {
            if (_header is null)
            {
                ReadHeader();
            }
            else if (_recordError is not null)
            {
                Processor.OnUnreadableRecord(_recordLine, _recordError);
            }
            else if (_fields.Count != _header.Length)
            {
                Processor.OnUnreadableRecord(
                    _recordLine, $"the row has {_fields.Count} fields, but the header has {_header.Length}");
            }
            else
            {
                EmitRow();
            }
        }
        finally
        {
            _fields.Clear();
            _recordError = null;
            _inRecord = false;
            _state = State.FieldStart;
        }
    }

    private void ReadHeader()
    {
        _header = [.. _fields.Select(name => name.Trim())];
        if (_recordError is not null)
        {
            Processor.Stop(_recordLine, $"the header row is malformed: {_recordError}");
            return;
        }

        for (int i = 0; i < _header.Length; i++)
        {
            if (_header[i].Length == 0)
            {
                Processor.Stop(_recordLine, $"column {i + 1} of the header has no name");
                return;
            }

            if (Array.IndexOf(_header, _header[i]) < i)
            {
                Processor.Stop(_recordLine, $"the header names column '{_header[i]}' twice");
                return;
            }
        }

        Processor.OnColumns(_header, _recordLine);
    }

    private void EmitRow()
    {
        _json.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_json))
        {
            writer.WriteStartObject();
            for (int i = 0; i < _fields.Count; i++)
            {
                writer.WriteString(_header![i], _fields[i]);
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(_json.WrittenMemory);
        Processor.OnRecord(document.RootElement, _recordLine);
    }
}
