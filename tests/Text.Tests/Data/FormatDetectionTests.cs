using FineTune.Text.Data;

namespace FineTune.Text.Tests.Data;

public sealed class FormatDetectionTests
{
    [Theory]
    [InlineData("[{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"yo\"}]}]", DatasetContainer.JsonArray, DatasetFormat.Messages)]
    [InlineData("{\"conversations\": [{\"from\": \"human\", \"value\": \"hi\"}, {\"from\": \"gpt\", \"value\": \"yo\"}]}", DatasetContainer.JsonLines, DatasetFormat.ShareGpt)]
    [InlineData("{\"id\": 7, \"instruction\": \"Add\", \"input\": \"1+1\", \"output\": \"2\"}", DatasetContainer.JsonLines, DatasetFormat.Alpaca)]
    [InlineData("[{\"prompt\": \"1+1=\", \"completion\": \"2\"}]", DatasetContainer.JsonArray, DatasetFormat.PromptCompletion)]
    [InlineData("{\"text\": \"<|im_start|>user\\nhi<|im_end|>\"}", DatasetContainer.JsonLines, DatasetFormat.Text)]
    [InlineData("instruction,input,output\nAdd,1+1,2\n", DatasetContainer.Csv, DatasetFormat.Alpaca)]
    [InlineData("prompt,completion\n1+1=,2\n", DatasetContainer.Csv, DatasetFormat.PromptCompletion)]
    [InlineData("city,temp\nOslo,-3\n", DatasetContainer.Csv, DatasetFormat.Tabular)]
    public void Read_FirstRecordKeys_DetectFormat(string content, DatasetContainer container, DatasetFormat format)
    {
        DatasetReadResult result = DatasetText.Read(content);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(container, result.Container);
        Assert.Equal(format, result.Format);
        Assert.Equal(1, result.ExampleCount);
    }

    [Theory]
    [InlineData("{\"text\": \"hi\", \"label\": 1}")]
    [InlineData("{\"city\": \"Oslo\", \"temp\": -3.5, \"rain\": true, \"note\": null}")]
    public void Read_FlatJsonRecordWithExplicitTabular_IsTabular(string content)
    {
        DatasetReadResult result = DatasetText.Read(content, new DatasetReadOptions { Format = DatasetFormat.Tabular });

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(DatasetContainer.JsonLines, result.Container);
        Assert.Equal(DatasetFormat.Tabular, result.Format);
        Assert.Equal(1, result.ExampleCount);
    }

    [Theory]
    [InlineData("{\"question\": \"1+1?\", \"answer\": \"2\"}\n{\"question\": \"2+2?\", \"answer\": \"4\"}\n", "question, answer")]
    [InlineData("[{\"text\": \"hi\", \"label\": 1}]", "text, label")]
    [InlineData("{\"prompt\": \"1+1=\", \"answer\": \"2\"}\n", "prompt, answer")]
    public void Read_JsonRecordMatchingNoFormat_IsRefusedNotGuessedTabular(string content, string keys)
    {
        DatasetReadResult result = DatasetText.Read(content);

        DatasetError error = DatasetText.SingleError(result);
        Assert.Null(result.Format);
        Assert.Equal(1, error.Line);
        Assert.StartsWith($"the record's fields ({keys}) match no known format", error.Message, StringComparison.Ordinal);
        Assert.Contains("alpaca 'instruction' and 'output', prompt_completion 'prompt' and 'completion'", error.Message, StringComparison.Ordinal);
        Assert.Contains("set format to tabular", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(DatasetFormat.Tabular)]
    [InlineData(DatasetFormat.PromptCompletion)]
    public void Read_JsonLinesSyntaxErrorOnOneLine_IsRefusedNamingTheLineWhateverTheFormat(DatasetFormat? format)
    {
        string content = DatasetText.Lines(
            "{\"prompt\": \"a\", \"completion\": \"b\"}",
            "{\"prompt\": \"c\", \"completion\": \"d\"}",
            "{\"prompt\": \"e\" \"completion\": \"f\"}",
            "{\"prompt\": \"g\", \"completion\": \"h\"}");

        DatasetReadResult result = DatasetText.Read(content, new DatasetReadOptions { Format = format });

        DatasetError error = DatasetText.SingleError(result);
        Assert.Equal(3, error.Line);
        Assert.StartsWith("invalid JSON", error.Message, StringComparison.Ordinal);
        Assert.Throws<DatasetValidationException>(() => result.EnsureValid());
    }

    [Fact]
    public void Read_JsonLinesSyntaxErrorOnTheFirstLine_IsRefusedNamingIt()
    {
        DatasetReadResult result = DatasetText.Read(DatasetText.Lines("{\"question\": \"a\",", "{\"prompt\": \"c\", \"completion\": \"d\"}"));

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Line == 1 && e.Message.StartsWith("invalid JSON", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_ByteOrderMarkAndLeadingBlankLines_AreSkipped()
    {
        DatasetReadResult result = DatasetText.Read("\uFEFF\n\n  {\"text\": \"a\"}\n");

        Assert.True(result.IsValid);
        Assert.Equal(DatasetContainer.JsonLines, result.Container);
        Assert.Equal(3, Assert.Single(result.Examples).Line);
    }

    [Fact]
    public void Read_ExplicitFormat_OverridesDetection()
    {
        var options = new DatasetReadOptions { Format = DatasetFormat.Text };

        DatasetReadResult result = DatasetText.Read("{\"text\": \"hello\", \"id\": 1}\n", options);

        Assert.Equal(DatasetFormat.Text, result.Format);
        Assert.Equal("hello", Assert.Single(result.Examples).Text);
    }

    [Fact]
    public void Read_ExplicitTabularOnAlpacaRecords_SerializesEachRecord()
    {
        var options = new DatasetReadOptions { Format = DatasetFormat.Tabular };

        DatasetReadResult result = DatasetText.Read("[{\"instruction\": \"Add\", \"output\": \"2\"}]", options);

        TrainingExample example = Assert.Single(result.Examples);
        Assert.Equal(DatasetFormat.Tabular, example.Format);
        Assert.Equal("{\"instruction\":\"Add\",\"output\":\"2\"}", example.Text);
    }

    [Fact]
    public void Read_FirstRecordMatchesTwoFormats_ReportsAmbiguity()
    {
        DatasetReadResult result = DatasetText.Read(
            "{\"messages\": [], \"prompt\": \"a\", \"completion\": \"b\"}\n{\"text\": \"x\"}\n");

        DatasetError error = DatasetText.SingleError(result);
        Assert.Equal(1, error.Line);
        Assert.Null(result.Format);
        Assert.Contains("more than one format (messages, prompt_completion)", error.Message, StringComparison.Ordinal);
        Assert.Contains("name the format explicitly", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, result.RecordCount);
    }

    [Fact]
    public void Read_NestedRecordWithoutMarkerKeys_ExplainsWhyNothingMatched()
    {
        DatasetReadResult result = DatasetText.Read("{\"question\": \"q\", \"output\": \"a\", \"meta\": {\"src\": 1}}\n");

        DatasetError error = DatasetText.SingleError(result);
        Assert.StartsWith("cannot detect the format from the record's fields (question, output, meta)", error.Message, StringComparison.Ordinal);
        Assert.Contains("it has 'output' but no 'instruction' (alpaca needs both)", error.Message, StringComparison.Ordinal);
        Assert.Contains("'meta' holds an object, so it is not a flat tabular row", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RecordOfAnotherFormat_ReportsTheMix()
    {
        string content = DatasetText.Lines(
            "{\"instruction\": \"a\", \"output\": \"b\"}",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"yo\"}]}",
            "{\"instruction\": \"c\", \"output\": \"d\"}");

        DatasetReadResult result = DatasetText.Read(content);

        DatasetError error = DatasetText.SingleError(result);
        Assert.Equal(new DatasetError(2, 1, null, "this record is messages, but the file is alpaca (detected from line 1); a file must use one format"), error);
        Assert.Equal(2, result.ExampleCount);
    }

    [Fact]
    public void Read_Utf16File_AsksForUtf8()
    {
        using var stream = new MemoryStream([0xFF, 0xFE, (byte)'{', 0]);

        DatasetReadResult result = DatasetReader.Read(stream);

        Assert.Equal("the file is UTF-16; save it as UTF-8", DatasetText.SingleError(result).Message);
    }

    [Theory]
    [InlineData("train.jsonl", "not json at all\n")]
    [InlineData("DATA.JSON", "instruction,output\nhi,hello\n")]
    [InlineData("chat.ndjson", "\n  # comment\n")]
    public void Read_FileNamedJsonThatIsNot_IsRefusedNamingTheFile_NotReadAsCsv(string fileName, string content)
    {
        DatasetReadResult result = DatasetText.Read(content, new DatasetReadOptions { FileName = fileName });

        string message = DatasetText.SingleError(result).Message;
        Assert.Equal($"'{fileName}' is named as JSON ({Path.GetExtension(fileName).ToLowerInvariant()}) but starts with '{content.Trim()[0]}', not '{{' or '[': JSON Lines hold one "
            + "object per line, a .json file one array of objects (a CSV file should be named .csv)", message);
        Assert.Equal(0, result.ExampleCount);
    }

    [Fact]
    public void Read_CsvContent_IsTabularUnderACsvNameOrNone()
    {
        const string csv = "name,age\nada,36\n";

        Assert.Equal(DatasetFormat.Tabular, DatasetText.Read(csv, new DatasetReadOptions { FileName = "people.csv" }).Format);
        Assert.Equal(DatasetFormat.Tabular, DatasetText.Read(csv).Format);
    }

    [Fact]
    public void ReadFile_TakesTheNameFromThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ft-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, "oops\n");
        try
        {
            Assert.Contains("is named as JSON (.jsonl)", DatasetText.SingleError(DatasetReader.ReadFile(path)).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
