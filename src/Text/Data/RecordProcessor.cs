using System.Globalization;
using System.Text.Json;

namespace FineTune.Text.Data;

/// <summary>
/// Turns parsed records into examples: detects the format from the first well-formed record (unless one was named),
/// converts and checks every record, groups tabular entities, and finally checks that enough examples remain.
/// The splitters feed it; it never sees bytes.
/// </summary>
internal sealed class RecordProcessor
{
    private readonly DatasetReadOptions _options;
    private readonly ErrorCollector _errors;
    private readonly RecordContext _context;
    private readonly List<TrainingExample> _examples = [];
    private TabularGroups? _groups;
    private int _ungroupedExampleCount;
    private int _usableRecords;
    private int _formatLine;
    private bool _stopped;

    public RecordProcessor(DatasetReadOptions options, ErrorCollector errors)
    {
        _options = options;
        _errors = errors;
        _context = new RecordContext(errors);
        Format = options.Format;
        if (Format == DatasetFormat.Tabular && options.GroupBy is not null)
        {
            _groups = new TabularGroups();
        }
    }

    public DatasetFormat? Format { get; private set; }

    /// <summary>Whether detection may guess tabular: only for CSV rows (set by the reader once it sniffs the file).</summary>
    public bool TabularAllowed { get; set; }

    public int RecordCount { get; private set; }

    public int ExampleCount => _ungroupedExampleCount + (_groups?.Count ?? 0);

    public IReadOnlyList<TrainingExample> Examples => _examples;

    /// <summary>A CSV header: the grouping columns must exist, or every row would fail for the same reason.</summary>
    public void OnColumns(IReadOnlyList<string> columns, int line)
    {
        foreach ((string? column, string role) in new[] { (_options.GroupBy, "group_by"), (_options.OrderBy, "order_by") })
        {
            if (column is not null && !columns.Contains(column, StringComparer.Ordinal))
            {
                Stop(line, $"the {role} column '{column}' is not in the header ({string.Join(", ", columns)})");
            }
        }
    }

    public void OnRecord(JsonElement record, int line)
    {
        int index = RecordCount++;
        if (_stopped)
        {
            return;
        }

        _context.Reset(line, index);
        if (record.ValueKind != JsonValueKind.Object)
        {
            _context.Fail(null, $"each record must be a JSON object, found {JsonFields.KindName(record.ValueKind)}");
            return;
        }

        try
        {
            if (Format is null ? DetectFormat(record, line, index) : _options.Format is not null || CheckSameFormat(record))
            {
                Convert(record);
            }
        }
        catch (Exception exception) when (IsUndecodableText(exception))
        {
            _context.Fail(null, $"the record holds text that is not valid Unicode: {exception.Message}");
        }
    }

    /// <summary>A record that could not even be parsed (a bad JSON line, a malformed CSV row).</summary>
    public void OnUnreadableRecord(int line, string message)
    {
        int index = RecordCount++;
        if (!_stopped)
        {
            _errors.Add(new DatasetError(line, index, null, message));
        }
    }

    /// <summary>A problem after which nothing more can be read or trusted, such as a JSON array syntax error.</summary>
    public void Stop(int? line, string message)
    {
        _errors.AddFileLevel(new DatasetError(line, null, null, message));
        _stopped = true;
    }

    /// <summary>Ends the read: emits grouped entities and checks the example count against the options.</summary>
    public void Complete(string? emptyContainerMessage)
    {
        if (_groups is not null && _options.KeepExamples)
        {
            _examples.AddRange(_groups.ToExamples());
        }

        if (_stopped)
        {
            return;
        }

        if (RecordCount == 0)
        {
            _errors.AddFileLevel(DatasetError.ForFile(emptyContainerMessage ?? "the file has no records"));
            return;
        }

        int invalid = RecordCount - _usableRecords;
        string because = invalid > 0
            ? string.Create(CultureInfo.InvariantCulture, $" ({invalid} of {RecordCount} records are invalid)")
            : string.Empty;
        if (ExampleCount == 0)
        {
            _errors.AddFileLevel(DatasetError.ForFile($"the file has no usable examples{because}"));
        }
        else if (ExampleCount < _options.MinExamples)
        {
            _errors.AddFileLevel(DatasetError.ForFile(string.Create(
                CultureInfo.InvariantCulture,
                $"the file has {ExampleCount} usable example{(ExampleCount == 1 ? string.Empty : "s")}, "
                + $"but at least {_options.MinExamples} are needed{because}")));
        }
    }

    // Escapes such as "\ud800" (half a surrogate pair) pass the parser but throw once the string is decoded.
    private static bool IsUndecodableText(Exception exception) =>
        exception is InvalidOperationException or ArgumentException
        && exception.TargetSite?.Module.Assembly == typeof(JsonDocument).Assembly;

    private bool DetectFormat(JsonElement record, int line, int index)
    {
        if (FormatDetector.Detect(record, TabularAllowed, out string? problem) is not { } format)
        {
            _errors.AddFileLevel(new DatasetError(line, index, null, problem!));
            _stopped = true;
            return false;
        }

        Format = format;
        _formatLine = line;
        if (format == DatasetFormat.Tabular && _options.GroupBy is not null)
        {
            _groups = new TabularGroups();
        }

        if (_options.OrderBy is not null && format != DatasetFormat.Tabular)
        {
            Stop(line, $"order_by applies to tabular records only, and this file is {DatasetFormats.ToName(format)}");
            return false;
        }

        return true;
    }

    // Only the formats with marker keys can be told apart reliably; a text or tabular-looking record in a chat file
    // is left to the conversion, whose missing-field error says more.
    private bool CheckSameFormat(JsonElement record)
    {
        DatasetFormat? own = FormatDetector.Detect(record, tabularAllowed: true, out _);
        if (own is not { } other || other == Format || other is DatasetFormat.Text or DatasetFormat.Tabular)
        {
            return true;
        }

        _context.Fail(null, string.Create(
            CultureInfo.InvariantCulture,
            $"this record is {DatasetFormats.ToName(other)}, but the file is {DatasetFormats.ToName(Format!.Value)} "
            + $"(detected from line {_formatLine}); a file must use one format"));
        return false;
    }

    private void Convert(JsonElement record)
    {
        string? entity = _options.GroupBy is { } groupBy
            ? JsonFields.ScalarKey(record, groupBy, "group_by", _context)
            : null;
        string? order = _options.OrderBy is { } orderBy
            ? JsonFields.ScalarKey(record, orderBy, "order_by", _context)
            : null;
        TrainingExample? example = Format switch
        {
            DatasetFormat.Messages => MessagesConverter.Convert(record, _context),
            DatasetFormat.ShareGpt => ShareGptConverter.Convert(record, _context),
            DatasetFormat.Alpaca => AlpacaConverter.Convert(record, _context),
            DatasetFormat.PromptCompletion => PromptCompletionConverter.Convert(record, _context),
            DatasetFormat.Text => JsonFields.RequiredString(record, "text", "text", _context) is { } text
                ? new TrainingExample { Format = DatasetFormat.Text, Text = text }
                : null,
            _ => ConvertTabular(record),
        };
        if (example is null || _context.Failed)
        {
            return;
        }

        _usableRecords++;
        if (_groups is not null)
        {
            _groups.Add(entity!, order, _context.Line, _context.Index, example.Text!);
            return;
        }

        _ungroupedExampleCount++;
        if (_options.KeepExamples)
        {
            _examples.Add(example with { Line = _context.Line, RecordIndex = _context.Index, EntityKey = entity });
        }
    }

    private TrainingExample? ConvertTabular(JsonElement record)
    {
        if (!record.EnumerateObject().Any())
        {
            _context.Fail(null, "the record has no fields");
            return null;
        }

        return new TrainingExample { Format = DatasetFormat.Tabular, Text = JsonFields.ToCompactJson(record) };
    }
}
