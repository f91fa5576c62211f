using FineTune.Worker.Execution;

namespace FineTune.Worker.Tests;

public sealed class DatasetReferenceTests
{
    [Theory]
    [InlineData("01a1fce1-30bc-70ca-a451-034d0804ae4f")]
    [InlineData("01a1fce130bc70caa451034d0804ae4f")]
    [InlineData("file-01a1fce1-30bc-70ca-a451-034d0804ae4f")]
    [InlineData("ds_01a1fce130bc70caa451034d0804ae4f")]
    public void TryParseDatasetId_IdBareOrPrefixed_IsRead(string reference)
    {
        Assert.True(TrainLoraHandler.TryParseDatasetId(reference, out Guid id));
        Assert.Equal(Guid.Parse("01a1fce1-30bc-70ca-a451-034d0804ae4f"), id);
    }

    [Fact]
    public void TryParseDatasetId_Name_IsNotAnId()
    {
        Assert.False(TrainLoraHandler.TryParseDatasetId("alpaca.json", out _));
    }
}
