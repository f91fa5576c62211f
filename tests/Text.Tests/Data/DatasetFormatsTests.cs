using FineTune.Text.Data;

namespace FineTune.Text.Tests.Data;

public sealed class DatasetFormatsTests
{
    [Theory]
    [InlineData("messages", DatasetFormat.Messages)]
    [InlineData("OpenAI", DatasetFormat.Messages)]
    [InlineData("sharegpt", DatasetFormat.ShareGpt)]
    [InlineData("alpaca", DatasetFormat.Alpaca)]
    [InlineData("prompt_completion", DatasetFormat.PromptCompletion)]
    [InlineData("prompt-completion", DatasetFormat.PromptCompletion)]
    [InlineData(" text ", DatasetFormat.Text)]
    [InlineData("TABULAR", DatasetFormat.Tabular)]
    public void Parse_KnownName_ReturnsFormat(string name, DatasetFormat expected)
    {
        DatasetFormat format = DatasetFormats.Parse(name);

        Assert.Equal(expected, format);
    }

    [Fact]
    public void Parse_UnknownName_ThrowsListingAcceptedNames()
    {
        var exception = Assert.Throws<ArgumentException>(() => DatasetFormats.Parse("dolly"));

        Assert.Contains("'dolly'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("sharegpt", exception.Message, StringComparison.Ordinal);
        Assert.Contains("prompt_completion", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("auto")]
    [InlineData("Auto")]
    public void ParseOrAuto_AutoOrMissing_ReturnsNull(string? name)
    {
        Assert.Null(DatasetFormats.ParseOrAuto(name));
    }

    [Fact]
    public void ToName_EveryFormat_ParsesBack()
    {
        foreach (DatasetFormat format in Enum.GetValues<DatasetFormat>())
        {
            Assert.Equal(format, DatasetFormats.Parse(DatasetFormats.ToName(format)));
        }

        Assert.Equal(["messages", "sharegpt", "alpaca", "prompt_completion", "text", "tabular"], DatasetFormats.Names);
    }
}
