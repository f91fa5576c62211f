using System.Text;
using FineTune.Text.Data;

namespace FineTune.Text.Tests.Data;

public sealed class DatasetValidationTests
{
    private const string Good = "{\"prompt\": \"q\", \"completion\": \"a\"}";

    [Fact]
    public void Read_InvalidJsonLines_ReportExactLinesAndKeepGoing()
    {
        string content = DatasetText.Lines(Good, string.Empty, "{\"prompt\": \"q\", \"completion\": }", Good, "{\"prompt\": \"q\"", "[1, 2]", Good);

        DatasetReadResult result = DatasetText.Read(content);

        Assert.Equal(
            [
                new DatasetError(3, 1, null, "invalid JSON: '}' is an invalid start of a value (byte 31 of the line)"),
                new DatasetError(5, 3, null, "invalid JSON: Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed (byte 15 of the line)"),
                new DatasetError(6, 4, null, "each record must be a JSON object, found an array"),
            ],
            result.Errors);
        Assert.Equal(3, result.ExampleCount);
        Assert.Equal(6, result.RecordCount);
        Assert.Equal([1, 4, 7], result.Examples.Select(example => example.Line));
    }

    [Fact]
    public void Read_BadElementInPrettyJsonArray_ReportsItsIndexAndLine()
    {
        string content = """
            [
              {"instruction": "a", "output": "b"},
              {
                "instruction": "c",
                "output": ""
              },
              "just text",
              {"instruction": "d", "output": "e", "output": "f"}
            ]
            """;

        DatasetReadResult result = DatasetText.Read(content);

        Assert.Equal(
            [
                new DatasetError(3, 1, "output", "field 'output' is empty"),
                new DatasetError(7, 2, null, "each record must be a JSON object, found a string"),
                new DatasetError(8, 3, null, "invalid JSON: Duplicate property 'output' encountered during deserialization"),
            ],
            result.Errors);
        Assert.Equal(4, result.RecordCount);
    }

    [Fact]
    public void Read_JsonArraySyntaxError_StopsAtItsLine()
    {
        string content = DatasetText.Lines("[", Good + ",", "{\"prompt\": \"q\" \"completion\": \"a\"}", "]");

        DatasetReadResult result = DatasetText.Read(content);

        DatasetError error = DatasetText.SingleError(result);
        Assert.Equal(3, error.Line);
        Assert.StartsWith("invalid JSON: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("; reading stopped here", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, result.ExampleCount);
    }

    [Fact]
    public void Read_UnclosedJsonArray_IsAnError()
    {
        DatasetReadResult result = DatasetText.Read("[" + Good);

        Assert.StartsWith("invalid JSON: ", DatasetText.SingleError(result).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TextAfterTheJsonArray_IsAnError()
    {
        DatasetReadResult result = DatasetText.Read("[" + Good + "]\n\n]");

        DatasetError error = DatasetText.SingleError(result);
        Assert.Equal(3, error.Line);
        Assert.Equal(1, result.ExampleCount);
    }

    [Fact]
    public void Read_InvalidUtf8_IsReportedPerRecord()
    {
        byte[] jsonLines = [.. "{\"text\": \"a"u8, 0xC3, 0x28, .. "\"}\n{\"text\": \"b\"}\n"u8];
        byte[] jsonArray = [.. "[{\"text\": \"b\"},\n {\"text\": \""u8, 0xE2, 0x82, .. "\"}]"u8];
        byte[] csv = [.. "a,b\n1,"u8, 0xFF, .. "\n3,4\n"u8];

        using var jsonLinesStream = new MemoryStream(jsonLines);
        using var jsonArrayStream = new MemoryStream(jsonArray);
        using var csvStream = new MemoryStream(csv);

        DatasetReadResult fromJsonLines = DatasetReader.Read(jsonLinesStream);
        DatasetReadResult fromJsonArray = DatasetReader.Read(jsonArrayStream);
        DatasetReadResult fromCsv = DatasetReader.Read(csvStream);

        Assert.Equal(
            new DatasetError(1, 0, null, "the text is not valid UTF-8 at byte 12 of the line; save the file as UTF-8"),
            DatasetText.SingleError(fromJsonLines));
        Assert.Equal(
            new DatasetError(2, 1, null, "the text is not valid UTF-8 at byte 11 of the record; save the file as UTF-8"),
            DatasetText.SingleError(fromJsonArray));
        Assert.Equal(
            new DatasetError(2, 0, null, "field 2 is not valid UTF-8; save the file as UTF-8"),
            DatasetText.SingleError(fromCsv));
        Assert.Equal(1, fromCsv.ExampleCount);
    }

    [Fact]
    public void Read_LoneSurrogateEscape_IsARecordError()
    {
        string text = DatasetText.Lines("{\"text\": \"ok\"}", "{\"text\": \"bad \\ud800 half\"}");
        string tabular = DatasetText.Lines("{\"a\": \"ok\"}", "{\"a\": \"bad \\udc00 half\"}");

        foreach ((string content, DatasetFormat? format) in new[] { (text, (DatasetFormat?)null), (tabular, DatasetFormat.Tabular) })
        {
            DatasetReadResult result = DatasetText.Read(content, new DatasetReadOptions { Format = format });

            DatasetError error = DatasetText.SingleError(result);
            Assert.Equal((2, 1), (error.Line, error.RecordIndex));
            Assert.StartsWith("the record holds text that is not valid Unicode: ", error.Message, StringComparison.Ordinal);
            Assert.Equal(1, result.ExampleCount);
        }
    }

    [Fact]
    public void Read_ManyBadRecords_KeepsTheFirstHundredAndCountsAll()
    {
        var content = new StringBuilder(Good + "\n");
        for (int i = 0; i < 250; i++)
        {
            content.Append("{\"prompt\": \"q\", \"completion\": 1}\n");
        }

        DatasetReadResult result = DatasetText.Read(content.ToString());

        Assert.Equal(250, result.TotalErrorCount);
        Assert.Equal(100, result.Errors.Count);
        Assert.Equal(2, result.Errors[0].Line);
        Assert.Equal(101, result.Errors[^1].Line);
        var exception = Assert.Throws<DatasetValidationException>(() => result.EnsureValid());
        Assert.Equal(250, exception.TotalErrorCount);
        Assert.StartsWith("The dataset has 250 errors: line 2 (record 1): field 'completion' must be a string", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MaxErrorsOption_CapsTheKeptRecordErrorsButNotTheSummary()
    {
        string content = DatasetText.Lines("{\"text\": 1}", "{\"text\": 2}", "{\"text\": 3}");

        DatasetReadResult result = DatasetText.Read(content, new DatasetReadOptions { MaxErrors = 1 });

        Assert.Equal(4, result.TotalErrorCount);
        Assert.Equal(
            [
                DatasetError.ForFile("the file has no usable examples (3 of 3 records are invalid)"),
                new DatasetError(1, 0, "text", "field 'text' must be a string, found a number"),
            ],
            result.Errors);
    }

    [Theory]
    [InlineData("", "the file is empty")]
    [InlineData(" \r\n\t\n", "the file is empty: it holds only whitespace")]
    [InlineData("\uFEFF", "the file is empty: it holds only whitespace")]
    [InlineData("[ ]", "the JSON array is empty")]
    public void Read_EmptyFile_SaysSo(string content, string message)
    {
        DatasetReadResult result = DatasetText.Read(content);

        Assert.Equal(DatasetError.ForFile(message), DatasetText.SingleError(result));
    }

    [Fact]
    public void ReadValid_EmptyFile_ThrowsSayingTheFileIsEmpty()
    {
        using var stream = new MemoryStream();

        var exception = Assert.Throws<DatasetValidationException>(() => DatasetReader.ReadValid(stream));

        Assert.Equal("The file is empty", exception.Message);
        Assert.Equal(1, exception.TotalErrorCount);
    }

    [Fact]
    public void Read_FewerExamplesThanRequired_SaysHowManyOfHowMany()
    {
        string content = DatasetText.Lines(Good, Good, "{\"prompt\": \"q\"}", Good);

        DatasetReadResult result = DatasetText.Read(content, new DatasetReadOptions { MinExamples = 10 });

        Assert.Equal(3, result.ExampleCount);
        Assert.Equal(
            DatasetError.ForFile("the file has 3 usable examples, but at least 10 are needed (1 of 4 records are invalid)"),
            result.Errors[0]);
        Assert.Equal(new DatasetError(3, 2, "completion", "missing required field 'completion'"), result.Errors[1]);
    }

    [Fact]
    public void Read_EnoughValidExamples_IsValid()
    {
        DatasetReadResult result = DatasetText.Read(DatasetText.Lines(Good, Good), new DatasetReadOptions { MinExamples = 2 });

        Assert.Same(result, result.EnsureValid());
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Complete_CalledTwice_Throws()
    {
        var reader = new DatasetReader();
        reader.Complete();

        Assert.Throws<InvalidOperationException>(() => reader.Complete());
        Assert.Throws<InvalidOperationException>(() => reader.Append("x"u8));
    }
}
