using FineTune.Testing;
using FineTune.Torch.Safetensors;

namespace FineTune.Torch.Tests.Safetensors;

public class SafetensorsTensorConversionsTests
{
    [Fact]
    public void LoadTensor_TinyStoriesAlias_GivesTheTiedMatrixAsATensor()
    {
        using var scope = TensorScope.Begin();
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(RepoPaths.Model("tinystories-656k"));

        Tensor embed = checkpoint.LoadTensor("model.embed_tokens.weight");
        Tensor head = checkpoint.LoadTensor("lm_head.weight");

        Assert.Equal([2048L, 128L], embed.shape);
        Assert.Equal(ScalarType.Float32, embed.dtype);
        Assert.Equal(0.0, embed.sub(head).abs().max().item());
        Assert.True(embed.isfinite().logical_not().sum().item() == 0);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Bool)]
    public void ToSafetensor_WriteThenLoad_RoundTripsTheTensor(ScalarType dtype)
    {
        using var scope = TensorScope.Begin();
        using var directory = new TempDirectory();
        string path = directory.FilePath("t.safetensors");
        Tensor original = torch.arange(-3, 3, 1, ScalarType.Float32).reshape(2, 3).to(dtype);

        SafetensorsWriter.Write(path, [original.ToSafetensor("w")]);
        using SafetensorsFile file = SafetensorsFile.Open(path);
        Tensor loaded = file.LoadTensor("w");

        Assert.Equal(dtype, loaded.dtype);
        Assert.Equal([2L, 3L], loaded.shape);
        Assert.True(loaded.eq(original).logical_not().sum().item() == 0);
    }
}
