using FineTune.Text.Data;

namespace FineTune.Text.Tests.Data;

public sealed class DatasetChecksTests
{
    [Fact]
    public void RequireSomeFit_SomePromptsFit_ReturnsHowMany()
    {
        int fitting = DatasetChecks.RequireSomeFit([10, 600, 0, 512], maxSequenceLength: 512);

        Assert.Equal(2, fitting);
    }

    [Fact]
    public void RequireSomeFit_EveryExampleTruncatedAway_ThrowsSayingSo()
    {
        var exception = Assert.Throws<DatasetValidationException>(
            () => DatasetChecks.RequireSomeFit([700, 512, 900], maxSequenceLength: 512));

        Assert.Equal(
            "Every example is truncated away: with a maximum sequence length of 512 tokens, none of the 3 examples keeps a token to train on (the shortest prompt has 512 tokens). Raise the maximum sequence length or shorten the prompts.",
            exception.Message);
    }

    [Fact]
    public void RequireSomeFit_NoExamples_Throws()
    {
        Assert.Throws<DatasetValidationException>(() => DatasetChecks.RequireSomeFit([], maxSequenceLength: 512));
    }
}
