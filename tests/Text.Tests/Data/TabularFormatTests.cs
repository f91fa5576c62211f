using FineTune.Text.Data;

namespace FineTune.Text.Tests.Data;

public sealed class TabularFormatTests
{
    [Fact]
    public void Read_JsonRecords_SerializeCompactlyKeepingKeyOrderAndNumbers()
    {
        string content = DatasetText.Lines(
            "{\"zeta\": 1.50, \"alpha\": \"caf\u00e9 <b>&\", \"ok\": true, \"none\": null, \"big\": 12345678901234567890}");

        DatasetReadResult result = DatasetText.Read(content, new DatasetReadOptions { Format = DatasetFormat.Tabular });

        TrainingExample example = Assert.Single(result.Examples);
        Assert.True(example.IsText);
        Assert.Equal(
            "{\"zeta\":1.50,\"alpha\":\"caf\u00e9 <b>&\",\"ok\":true,\"none\":null,\"big\":12345678901234567890}",
            example.Text);
    }

    [Fact]
    public void Read_CsvRows_BecomeJsonObjectsOfStrings()
    {
        DatasetReadResult result = DatasetText.Read("name,age,note\nAnn,41,\nBob,7,x\n");

        Assert.Equal(
            ["{\"name\":\"Ann\",\"age\":\"41\",\"note\":\"\"}", "{\"name\":\"Bob\",\"age\":\"7\",\"note\":\"x\"}"],
            result.Examples.Select(example => example.Text));
        Assert.Equal([2, 3], result.Examples.Select(example => example.Line));
        Assert.Equal([0, 1], result.Examples.Select(example => example.RecordIndex));
    }

    [Fact]
    public void Read_CsvQuoting_HandlesCommasNewlinesAndDoubledQuotes()
    {
        string content = "id,quote\r\n1,\"a, b\"\r\n2,\"line one\r\nline two\"\r\n3,\"she said \"\"hi\"\"\"\r\n4,\"\"\r\n5,plain \"inner\" quote";

        DatasetReadResult result = DatasetText.Read(content);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(
            [
                "{\"id\":\"1\",\"quote\":\"a, b\"}",
                "{\"id\":\"2\",\"quote\":\"line one\\r\\nline two\"}",
                "{\"id\":\"3\",\"quote\":\"she said \\\"hi\\\"\"}",
                "{\"id\":\"4\",\"quote\":\"\"}",
                "{\"id\":\"5\",\"quote\":\"plain \\\"inner\\\" quote\"}",
            ],
            result.Examples.Select(example => example.Text));
        Assert.Equal([2, 3, 5, 6, 7], result.Examples.Select(example => example.Line));
        Assert.Equal(7, result.LineCount);
    }

    [Fact]
    public void Read_CsvBlankLinesAndLoneCarriageReturns_AreLineBreaks()
    {
        DatasetReadResult result = DatasetText.Read("a,b\r\r1,2\r\n\n3,4");

        Assert.Equal(["{\"a\":\"1\",\"b\":\"2\"}", "{\"a\":\"3\",\"b\":\"4\"}"], result.Examples.Select(example => example.Text));
        Assert.Equal([3, 5], result.Examples.Select(example => example.Line));
    }

    [Fact]
    public void Read_BadCsvRows_ReportEachWithItsLine()
    {
        string content = DatasetText.Lines(
            "a,b",
            "1,2",
            "1,2,3",
            "\"x\"y,2",
            "\"multi",
            "line\",ok",
            "only one",
            "5,\"never closed");

        DatasetReadResult result = DatasetText.Read(content);

        Assert.Equal(
            [
                new DatasetError(3, 1, null, "the row has 3 fields, but the header has 2"),
                new DatasetError(4, 2, null, "field 1 has text after its closing quote; a quote inside a quoted field must be doubled"),
                new DatasetError(7, 4, null, "the row has 1 fields, but the header has 2"),
                new DatasetError(8, 5, null, "a quoted field is never closed: the file ends before its closing quote"),
            ],
            result.Errors);
        Assert.Equal([2, 5], result.Examples.Select(example => example.Line));
    }

    [Theory]
    [InlineData("a,,c\n1,2,3\n", "column 2 of the header has no name")]
    [InlineData("a,b,a\n1,2,3\n", "the header names column 'a' twice")]
    public void Read_BadCsvHeader_StopsWithOneError(string content, string message)
    {
        DatasetReadResult result = DatasetText.Read(content);

        Assert.Equal(new DatasetError(1, null, null, message), DatasetText.SingleError(result));
        Assert.Equal(1, result.RecordCount);
    }

    [Fact]
    public void Read_CsvHeaderOnly_SaysThereAreNoRows()
    {
        DatasetReadResult result = DatasetText.Read("a,b\n");

        Assert.Equal("the CSV file has a header but no rows", DatasetText.SingleError(result).Message);
    }

    [Fact]
    public void Read_GroupByAndOrderBy_MakeOneOrderedExamplePerEntity()
    {
        string content = DatasetText.Lines(
            "{\"user\": \"u1\", \"t\": 10, \"event\": \"c\"}",
            "{\"user\": 2, \"t\": 1, \"event\": \"x\"}",
            "{\"user\": \"u1\", \"t\": 9, \"event\": \"b\"}",
            "{\"user\": \"u1\", \"t\": \"later\", \"event\": \"d\"}",
            "{\"user\": \"u1\", \"t\": -1.5, \"event\": \"a\"}");
        var options = new DatasetReadOptions { Format = DatasetFormat.Tabular, GroupBy = "user", OrderBy = "t" };

        DatasetReadResult result = DatasetText.Read(content, options);

        Assert.Equal(2, result.ExampleCount);
        Assert.Equal(5, result.RecordCount);
        TrainingExample first = result.Examples[0];
        Assert.Equal("u1", first.EntityKey);
        Assert.Equal(4, first.RecordCount);
        Assert.Equal((1, 0), (first.Line, first.RecordIndex));
        Assert.Equal(["a", "b", "c", "d"], first.Text!.Split('\n').Select(line => line[^3..^2]));
        Assert.Equal("{\"user\":2,\"t\":1,\"event\":\"x\"}", result.Examples[1].Text);
        Assert.Equal("2", result.Examples[1].EntityKey);
    }

    [Fact]
    public void Read_GroupedWithoutKeepingExamples_StillCountsEntities()
    {
        var options = new DatasetReadOptions { GroupBy = "id", KeepExamples = false, MinExamples = 3 };

        DatasetReadResult result = DatasetText.Read("id,v\nb,1\na,2\nb,3\n", options);

        Assert.Empty(result.Examples);
        Assert.Equal((2, 3), (result.ExampleCount, result.RecordCount));
        Assert.Equal(
            "the file has 2 usable examples, but at least 3 are needed",
            DatasetText.SingleError(result).Message);
    }

    [Fact]
    public void Read_CsvGroupByWithoutOrderBy_KeepsFileOrderWithinTheEntity()
    {
        DatasetReadResult result = DatasetText.Read("id,v\nb,1\na,2\nb,3\n", new DatasetReadOptions { GroupBy = "id" });

        Assert.Equal(
            ["{\"id\":\"b\",\"v\":\"1\"}\n{\"id\":\"b\",\"v\":\"3\"}", "{\"id\":\"a\",\"v\":\"2\"}"],
            result.Examples.Select(example => example.Text));
    }

    [Fact]
    public void Read_GroupByColumnMissingFromCsvHeader_IsOneError()
    {
        DatasetReadResult result = DatasetText.Read("id,v\n1,2\n3,4\n", new DatasetReadOptions { GroupBy = "user" });

        Assert.Equal(
            new DatasetError(1, null, null, "the group_by column 'user' is not in the header (id, v)"),
            DatasetText.SingleError(result));
    }

    [Fact]
    public void Read_GroupByFieldMissingFromARecord_ReportsThatRecord()
    {
        string content = DatasetText.Lines("{\"user\": 1, \"v\": 1}", "{\"v\": 2}", "{\"user\": [1], \"v\": 3}");

        DatasetReadResult result = DatasetText.Read(content, new DatasetReadOptions { Format = DatasetFormat.Tabular, GroupBy = "user" });

        Assert.Equal(
            [
                new DatasetError(2, 1, "user", "missing group_by field 'user'"),
                new DatasetError(3, 2, "user", "group_by field 'user' must be a string or a number, found an array"),
            ],
            result.Errors);
    }

    [Fact]
    public void Read_GroupByOnConversations_SetsTheEntityWithoutMerging()
    {
        string content = DatasetText.Lines(
            "{\"prompt\": \"a\", \"completion\": \"b\", \"patient\": 7}",
            "{\"prompt\": \"c\", \"completion\": \"d\", \"patient\": 7}");

        DatasetReadResult result = DatasetText.Read(content, new DatasetReadOptions { GroupBy = "patient" });

        Assert.Equal(2, result.ExampleCount);
        Assert.All(result.Examples, example => Assert.Equal("7", example.EntityKey));
    }

    [Fact]
    public void Read_OrderByOnDetectedConversations_IsAnError()
    {
        var options = new DatasetReadOptions { GroupBy = "patient", OrderBy = "t" };

        DatasetReadResult result = DatasetText.Read("{\"prompt\": \"a\", \"completion\": \"b\", \"patient\": 7, \"t\": 1}\n", options);

        Assert.Equal(
            "order_by applies to tabular records only, and this file is prompt_completion",
            DatasetText.SingleError(result).Message);
    }

    [Theory]
    [InlineData(null, "t", null)]
    [InlineData("user", "t", DatasetFormat.Alpaca)]
    [InlineData(" ", null, null)]
    public void Constructor_ContradictoryGrouping_Throws(string? groupBy, string? orderBy, DatasetFormat? format)
    {
        var options = new DatasetReadOptions { GroupBy = groupBy, OrderBy = orderBy, Format = format };

        Assert.Throws<ArgumentException>(() => new DatasetReader(options));
    }
}
