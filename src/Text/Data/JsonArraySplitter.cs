using System.Text.Json;

namespace FineTune.Text.Data;

/// <summary>
/// A top-level JSON array, read element by element with <see cref="Utf8JsonReader"/> in resumable mode: only the
/// element in progress is buffered. A syntax error ends the read, since an array cannot be resynchronized.
/// </summary>
/// <remarks>
/// An element cut by a chunk boundary is re-scanned from its start once more data arrives; waiting until the buffered
/// bytes have doubled keeps the total re-scanning linear in the element's size.
/// </remarks>
internal sealed class JsonArraySplitter(RecordProcessor processor) : RecordSplitter(processor)
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private int _line = 1;
    private int _retryLength;
    private JsonReaderState _state = new(new JsonReaderOptions());
    private bool _inArray;
    private bool _failed;

    public override string EmptyMessage => "the JSON array is empty";

    public override void Append(ReadOnlySpan<byte> data)
    {
        if (_failed)
        {
            return;
        }

        Reserve(data.Length);
        data.CopyTo(_buffer.AsSpan(_end));
        _end += data.Length;
        if (_end - _start >= _retryLength)
        {
            Parse(isFinalBlock: false);
        }
    }

    public override void Complete()
    {
        if (!_failed)
        {
            Parse(isFinalBlock: true);
        }
    }

    private void Parse(bool isFinalBlock)
    {
        ReadOnlySpan<byte> pending = _buffer.AsSpan(_start, _end - _start);
        var reader = new Utf8JsonReader(pending, isFinalBlock, _state);
        int committed = 0;
        int lineAtCommitted = _line;
        try
        {
            while (reader.Read())
            {
                if (_inArray && !(reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == 0))
                {
                    int elementStart = (int)reader.TokenStartIndex;
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                    {
                        break;
                    }

                    int elementEnd = (int)reader.BytesConsumed;
                    int elementLine = lineAtCommitted + pending[committed..elementStart].Count((byte)'\n');
                    Emit(_start + elementStart, elementEnd - elementStart, elementLine);
                    lineAtCommitted = elementLine + pending[elementStart..elementEnd].Count((byte)'\n');
                    committed = elementEnd;
                }
                else
                {
                    // The sniffer saw '[' first, so the first token is the array's start.
                    _inArray = true;
                    int tokenEnd = (int)reader.BytesConsumed;
                    lineAtCommitted += pending[committed..tokenEnd].Count((byte)'\n');
                    committed = tokenEnd;
                }

                _state = reader.CurrentState;
            }
        }
        catch (JsonException exception)
        {
            _failed = true;
            // The reader state carries its line count over every earlier buffer, so the exception's (0-based) line
            // counts from the start of the file: adding _line as well counted the committed lines twice once the
            // file arrived in more than one chunk, as every upload does.
            int errorLine = 1 + (int)(exception.LineNumber ?? 0);
            Processor.Stop(errorLine, $"invalid JSON: {JsonErrors.Describe(exception)}; reading stopped here");
        }

        _start += committed;
        _line = lineAtCommitted;
        _retryLength = 2 * (_end - _start);
    }

    private void Emit(int offset, int length, int line)
    {
        if (JsonErrors.InvalidUtf8(_buffer.AsSpan(offset, length), "record") is { } encodingError)
        {
            Processor.OnUnreadableRecord(line, encodingError);
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(_buffer.AsMemory(offset, length), JsonFields.DocumentOptions);
        }
        catch (JsonException exception)
        {
            // The reader already checked the syntax, so this is a rule of the document parser, such as a duplicate key.
            Processor.OnUnreadableRecord(line, $"invalid JSON: {JsonErrors.Describe(exception)}");
            return;
        }

        using (document)
        {
            Processor.OnRecord(document.RootElement, line);
        }
    }

    private void Reserve(int extra)
    {
        if (_end + extra <= _buffer.Length)
        {
            return;
        }

        int live = _end - _start;
        byte[] target = live + extra <= _buffer.Length ? _buffer : new byte[Math.Max(2 * _buffer.Length, live + extra)];
        _buffer.AsSpan(_start, live).CopyTo(target);
        _buffer = target;
        _start = 0;
        _end = live;
    }
}
