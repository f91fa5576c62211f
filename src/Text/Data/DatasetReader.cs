using System.Buffers;
using System.Globalization;

namespace FineTune.Text.Data;

/// <summary>
/// Reads a training dataset (a JSON array, JSON Lines or CSV file) incrementally: detects the container from the
/// first non-whitespace byte and the record format from the first record's keys, normalizes every record to a
/// <see cref="TrainingExample"/>, and reports every bad record with its line and the reason.
/// </summary>
/// <remarks>
/// Push bytes with <see cref="Append"/> as they arrive (an upload can be validated while it is stored) and call
/// <see cref="Complete"/> at the end; or use <see cref="Read"/>, <see cref="ReadAsync"/> or <see cref="ReadFile"/>.
/// Only the record in progress is buffered, plus the examples when <see cref="DatasetReadOptions.KeepExamples"/> is set.
/// A reader reads one file and is not thread-safe.
/// </remarks>
public sealed class DatasetReader
{
    private const int ChunkBytes = 64 * 1024;

    private readonly ErrorCollector _errors;
    private readonly RecordProcessor _processor;
    private readonly ArrayBufferWriter<byte> _leadingBytes = new();
    private readonly int? _maxLineBytes;
    private RecordSplitter? _splitter;
    private bool _rejected;
    private readonly string? _fileName;
    private bool _completed;
    private int _lineBreaks;
    private byte _lastByte;
    private long _currentLineBytes;

    /// <summary>Creates a reader for one file.</summary>
    /// <param name="options">How to read it; the defaults detect the format and keep the examples.</param>
    /// <exception cref="ArgumentException">The options contradict each other.</exception>
    public DatasetReader(DatasetReadOptions? options = null)
    {
        options ??= new DatasetReadOptions();
        options.Validate();
        _errors = new ErrorCollector(options.MaxErrors);
        _processor = new RecordProcessor(options, _errors);
        _maxLineBytes = options.MaxLineBytes;
        _fileName = options.FileName;
    }

    /// <summary>How many bytes have been appended.</summary>
    public long ByteCount { get; private set; }

    /// <summary>How many records have been seen so far, bad ones included.</summary>
    public int RecordCount => _processor.RecordCount;

    /// <summary>How many errors have been found so far; a caller may stop early once it has enough.</summary>
    public int ErrorCount => _errors.TotalCount;

    /// <summary>
    /// The 1-based line that passed <see cref="DatasetReadOptions.MaxLineBytes"/>, or null. Reading stopped there:
    /// later bytes are counted but not read, and the result holds one error naming the line.
    /// </summary>
    public int? LineTooLong { get; private set; }

    /// <summary>The file syntax, once the first non-whitespace byte has arrived.</summary>
    public DatasetContainer? Container { get; private set; }

    /// <summary>The record format, once it is named or detected.</summary>
    public DatasetFormat? Format => _processor.Format;

    /// <summary>Reads a whole stream (from its current position) and checks it.</summary>
    /// <param name="stream">The file's bytes, UTF-8 (a byte order mark is skipped).</param>
    /// <param name="options">How to read it.</param>
    /// <returns>The examples, counts and errors.</returns>
    public static DatasetReadResult Read(Stream stream, DatasetReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var reader = new DatasetReader(options);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, ChunkBytes)) > 0)
            {
                reader.Append(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return reader.Complete();
    }

    /// <summary>Reads a whole stream asynchronously (as ASP.NET Core request bodies require) and checks it.</summary>
    /// <param name="stream">The file's bytes, UTF-8 (a byte order mark is skipped).</param>
    /// <param name="options">How to read it.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The examples, counts and errors.</returns>
    public static async Task<DatasetReadResult> ReadAsync(
        Stream stream, DatasetReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var reader = new DatasetReader(options);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, ChunkBytes), cancellationToken).ConfigureAwait(false)) > 0)
            {
                reader.Append(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return reader.Complete();
    }

    /// <summary>Reads a file and checks it.</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">How to read it.</param>
    /// <returns>The examples, counts and errors.</returns>
    public static DatasetReadResult ReadFile(string path, DatasetReadOptions? options = null)
    {
        using var stream = new FileStream(
            path, FileMode.Open, FileAccess.Read, FileShare.Read, ChunkBytes, FileOptions.SequentialScan);
        options ??= new DatasetReadOptions();
        return Read(stream, options.FileName is null ? options with { FileName = Path.GetFileName(path) } : options);
    }

    /// <summary>Reads a whole stream and throws unless it is valid.</summary>
    /// <param name="stream">The file's bytes.</param>
    /// <param name="options">How to read it.</param>
    /// <returns>The result, which has no errors.</returns>
    /// <exception cref="DatasetValidationException">The file is empty, has a bad record, or has too few examples.</exception>
    public static DatasetReadResult ReadValid(Stream stream, DatasetReadOptions? options = null) =>
        Read(stream, options).EnsureValid();

    /// <summary>Feeds the next bytes of the file; chunks may end anywhere, even inside a character.</summary>
    /// <param name="chunk">The bytes.</param>
    /// <exception cref="InvalidOperationException">The reader has already completed.</exception>
    public void Append(ReadOnlySpan<byte> chunk)
    {
        ThrowIfCompleted();
        if (chunk.IsEmpty)
        {
            return;
        }

        ByteCount += chunk.Length;
        int lineBreaksBefore = _lineBreaks;
        _lineBreaks += chunk.Count((byte)'\n');
        _lastByte = chunk[^1];
        if (LineTooLong is not null)
        {
            return;
        }

        // Up to the byte that would take a line past the limit: the same bytes are read however the file is cut.
        int? overflowLine = null;
        ReadOnlySpan<byte> readable = chunk[..WithinLineLimit(chunk, lineBreaksBefore, ref overflowLine)];
        if (_splitter is not null)
        {
            _splitter.Append(readable);
        }
        else if (!_rejected && !readable.IsEmpty)
        {
            _leadingBytes.Write(readable);
            Sniff(isFinal: false);
        }

        if (overflowLine is int line)
        {
            // Reading stops: the rest of this line, and of the file, is never buffered.
            LineTooLong = line;
            _rejected = true;
            _splitter = null;
            _leadingBytes.Clear();
            _errors.Add(new DatasetError(line, null, null, string.Create(
                CultureInfo.InvariantCulture,
                $"the line is longer than {_maxLineBytes} bytes, the most a line may hold; reading stopped here")));
        }
    }

    /// <summary>Ends the file: finishes the last record, emits grouped entities and checks the example count.</summary>
    /// <returns>The examples, counts and errors.</returns>
    /// <exception cref="InvalidOperationException">The reader has already completed.</exception>
    public DatasetReadResult Complete()
    {
        ThrowIfCompleted();
        _completed = true;
        if (_splitter is null && !_rejected)
        {
            Sniff(isFinal: true);
        }

        if (_splitter is not null)
        {
            _splitter.Complete();
            _processor.Complete(_splitter.EmptyMessage);
        }
        else if (!_rejected)
        {
            _errors.AddFileLevel(DatasetError.ForFile(
                ByteCount == 0 ? "the file is empty" : "the file is empty: it holds only whitespace"));
        }

        return new DatasetReadResult
        {
            Format = _processor.Format,
            Container = Container,
            Examples = _processor.Examples,
            ExampleCount = _processor.ExampleCount,
            RecordCount = _processor.RecordCount,
            ByteCount = ByteCount,
            LineCount = _lineBreaks + (ByteCount > 0 && _lastByte != (byte)'\n' ? 1 : 0),
            Errors = _errors.ToList(),
            TotalErrorCount = _errors.TotalCount,
        };
    }

    // How many bytes of this chunk keep every line within the limit; sets overflowLine to the line that passes it.
    private int WithinLineLimit(ReadOnlySpan<byte> chunk, int lineBreaksBefore, ref int? overflowLine)
    {
        if (_maxLineBytes is not int maxLine)
        {
            return chunk.Length;
        }

        int line = lineBreaksBefore + 1;
        int offset = 0;
        while (true)
        {
            int newline = chunk[offset..].IndexOf((byte)'\n');
            int segment = newline < 0 ? chunk.Length - offset : newline;
            if (_currentLineBytes + segment > maxLine)
            {
                overflowLine = line;
                return offset + (int)(maxLine - _currentLineBytes);
            }

            if (newline < 0)
            {
                _currentLineBytes += segment;
                return chunk.Length;
            }

            _currentLineBytes = 0;
            offset += newline + 1;
            line++;
        }
    }

    private void Sniff(bool isFinal)
    {
        ReadOnlySpan<byte> leading = _leadingBytes.WrittenSpan;
        if (leading.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || leading.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            _rejected = true;
            _errors.AddFileLevel(DatasetError.ForFile("the file is UTF-16; save it as UTF-8"));
            return;
        }

        // Wait for 3 bytes when they could still turn out to be a byte order mark.
        ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
        if (!isFinal && leading.Length < 3 && (bom.StartsWith(leading) || leading[0] == 0xFF || leading[0] == 0xFE))
        {
            return;
        }

        ReadOnlySpan<byte> body = leading.StartsWith(bom) ? leading[3..] : leading;
        int first = body.IndexOfAnyExcept(" \t\r\n"u8);
        if (first < 0)
        {
            return;
        }

        Container = body[first] switch
        {
            (byte)'[' => DatasetContainer.JsonArray,
            (byte)'{' => DatasetContainer.JsonLines,
            _ => DatasetContainer.Csv,
        };
        if (Container == DatasetContainer.Csv && JsonExtension(_fileName) is string extension)
        {
            _rejected = true;
            string start = body[first] is >= 0x21 and < 0x7F ? $"'{(char)body[first]}'" : $"byte 0x{body[first]:X2}";
            _leadingBytes.Clear(); // body is a view of these bytes: read it first
            _errors.AddFileLevel(DatasetError.ForFile(
                $"'{_fileName}' is named as JSON ({extension}) but starts with {start}, not '{{' or '[': JSON Lines hold one "
                + "object per line, a .json file one array of objects (a CSV file should be named .csv)"));
            return;
        }
        _processor.TabularAllowed = Container == DatasetContainer.Csv;
        _splitter = Container switch
        {
            DatasetContainer.JsonArray => new JsonArraySplitter(_processor),
            DatasetContainer.JsonLines => new JsonLinesSplitter(_processor),
            _ => new CsvSplitter(_processor),
        };
        _splitter.Append(body);
        _leadingBytes.Clear();
    }

    private static string? JsonExtension(string? fileName)
    {
        string extension = Path.GetExtension(fileName ?? "").ToLowerInvariant();
        return extension is ".json" or ".jsonl" or ".ndjson" ? extension : null;
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            throw new InvalidOperationException("The reader has completed; create a new one for another file.");
        }
    }
}
