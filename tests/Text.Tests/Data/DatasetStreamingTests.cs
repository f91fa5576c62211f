using System.Text;
using FineTune.Text.Data;

namespace FineTune.Text.Tests.Data;

public sealed class DatasetStreamingTests
{
    private static readonly IEqualityComparer<TrainingExample> s_exampleComparer = EqualityComparer<TrainingExample>.Create(
        (left, right) => left!.Text == right!.Text && left.Line == right.Line && left.Messages.SequenceEqual(right.Messages),
        example => example.Line);

    public static TheoryData<string> Files => new()
    {
        "\uFEFF[\n  {\"instruction\": \"Gr\u00fc\u00df \ud83d\ude00\", \"output\": \"\u3053\u3093\u306b\u3061\u306f\"},\n  {\"instruction\": \"b\", \"output\": \"c\"}, 7\n]\n",
        "{\"text\": \"\u00e9t\u00e9\"}\r\n\r\n{\"text\": \"two\"}\n{\"text\": oops}\n{\"text\": \"\u00fc\"}",
        "\uFEFFk,v\r\n\"\u00e9, \"\"q\"\"\",\"multi\r\nline\"\r\n\r\nplain,\u00fc\r\nbad,\"row\"x\r\n",
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Append_AnyChunkSize_GivesTheSameResultAsOneRead(string content)
    {
        DatasetReadResult whole = DatasetText.Read(content);

        for (int chunkBytes = 1; chunkBytes <= 17; chunkBytes++)
        {
            DatasetReadResult chunked = DatasetText.ReadInChunks(content, chunkBytes);

            Assert.Equal(whole.Examples, chunked.Examples, s_exampleComparer);
            Assert.Equal(whole.Errors, chunked.Errors);
            Assert.Equal(
                (whole.RecordCount, whole.ByteCount, whole.LineCount),
                (chunked.RecordCount, chunked.ByteCount, chunked.LineCount));
        }

        Assert.NotEmpty(whole.Examples);
        Assert.Single(whole.Errors);
    }

    [Fact]
    public void Read_ElementLargerThanTheBuffer_IsReadWhole()
    {
        string big = new('x', 300_000);
        string content = $"[{{\"text\": \"{big}\"}}, {{\"text\": \"small\"}}]";

        DatasetReadResult result = DatasetText.ReadInChunks(content, 10_000);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal([big, "small"], result.Examples.Select(example => example.Text));
    }

    [Fact]
    public async Task ReadAsync_Stream_MatchesRead()
    {
        string content = DatasetText.Lines("{\"text\": \"a\"}", "{\"text\": \"b\"}");
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(content));

        DatasetReadResult result = await DatasetReader.ReadAsync(stream, cancellationToken: CancellationToken.None);

        Assert.Equal(["a", "b"], result.Examples.Select(example => example.Text));
        Assert.Equal((2, 2, 28L), (result.RecordCount, result.LineCount, result.ByteCount));
    }

    [Fact]
    public void Append_ProgressProperties_AreAvailableBeforeCompletion()
    {
        var reader = new DatasetReader(new DatasetReadOptions { KeepExamples = false });

        reader.Append("{\"text\": \"a\"}\n{\"text\": 1}\n{\"te"u8);

        Assert.Equal((DatasetContainer.JsonLines, DatasetFormat.Text), (reader.Container, reader.Format));
        Assert.Equal((2, 1, 30L), (reader.RecordCount, reader.ErrorCount, reader.ByteCount));
        reader.Append("xt\": \"b\"}"u8);
        DatasetReadResult result = reader.Complete();
        Assert.Empty(result.Examples);
        Assert.Equal((3, 2), (result.RecordCount, result.ExampleCount));
    }
}
