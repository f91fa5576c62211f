using System.Text.Json;
using FineTune.Torch.Safetensors;

namespace FineTune.Torch.Tests.Safetensors;

public sealed class SafetensorsCheckpointTests
{
    private static void WriteThreeShards(TempDirectory temp)
    {
        SafetensorsTensor[] tensors = [.. Enumerable.Range(0, 3).Select(i => TestTensors.Random($"w{i}", SafetensorsDType.BF16, [8], seed: i))];
        SafetensorsWriter.WriteSharded(temp.Folder, tensors, maxShardBytes: 16);
    }

    [Fact]
    public void Open_MissingShard_ThrowsNamingShard()
    {
        using var temp = new TempDirectory();
        WriteThreeShards(temp);
        File.Delete(temp.FilePath("model-00002-of-00003.safetensors"));

        var ex = Assert.Throws<FileNotFoundException>(() => SafetensorsCheckpoint.Open(temp.Folder));

        Assert.Contains("'model-00002-of-00003.safetensors'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(SafetensorsCheckpoint.IndexFileName, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_IndexListsTensorItsShardLacks_ThrowsNamingTensor()
    {
        using var temp = new TempDirectory();
        WriteThreeShards(temp);
        string indexPath = temp.FilePath(SafetensorsCheckpoint.IndexFileName);
        File.WriteAllText(indexPath, File.ReadAllText(indexPath).Replace("\"w1\"", "\"ghost\"", StringComparison.Ordinal));

        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.Open(temp.Folder));

        Assert.Contains("'ghost'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("model-00002-of-00003.safetensors", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"weight_map":{"w0":"../outside.safetensors"}}""", "plain file name")]
    [InlineData("""{"weight_map":{"w0":7}}""", "plain file name")]
    [InlineData("""{"metadata":{}}""", "'weight_map' object")]
    [InlineData("""{"weight_map":""", "not valid JSON")]
    public void Open_MalformedIndex_ThrowsFormatException(string index, string expected)
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.FilePath(SafetensorsCheckpoint.IndexFileName), index);

        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.Open(temp.Folder));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NeitherWeightsFile_ThrowsNamingBoth()
    {
        using var temp = new TempDirectory();

        var ex = Assert.Throws<FileNotFoundException>(() => SafetensorsCheckpoint.Open(temp.Folder));

        Assert.Contains(SafetensorsCheckpoint.IndexFileName, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"nor '{SafetensorsCheckpoint.SingleFileName}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_MissingFolder_ThrowsDirectoryNotFound()
    {
        string folder = Path.Combine(Path.GetTempPath(), "finetune-st-missing-" + Guid.NewGuid().ToString("N"));

        Assert.Throws<DirectoryNotFoundException>(() => SafetensorsCheckpoint.Open(folder));
    }

    [Fact]
    public void Open_MetadataAliases_ResolveOnlyToStoredTensors()
    {
        using var temp = new TempDirectory();
        SafetensorsTensor kept = TestTensors.Random("kept", SafetensorsDType.F16, [3], seed: 1);
        SafetensorsTensor other = TestTensors.Random("other", SafetensorsDType.F16, [3], seed: 2);
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["dropped"] = "kept",
            ["other"] = "kept",
            ["dangling"] = "nowhere",
        };
        SafetensorsWriter.Write(temp.FilePath(SafetensorsCheckpoint.SingleFileName), [kept, other], metadata);

        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(temp.Folder);

        Assert.Equal(new Dictionary<string, string> { ["dropped"] = "kept" }, checkpoint.Aliases);
        Assert.True(kept.Data.Span.SequenceEqual(checkpoint.GetBytes("dropped")));
        Assert.True(other.Data.Span.SequenceEqual(checkpoint.GetBytes("other")));
        Assert.False(checkpoint.TryGetTensor("dangling", out _, out _));
    }

    [Fact]
    public void GetInfo_UnknownTensor_ThrowsKeyNotFoundNamingTensor()
    {
        using var temp = new TempDirectory();
        WriteThreeShards(temp);
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(temp.Folder);

        var ex = Assert.Throws<KeyNotFoundException>(() => checkpoint.GetInfo("model.missing.weight"));

        Assert.Contains("'model.missing.weight'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(temp.Folder, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_IndexPreferredOverSingleFile()
    {
        using var temp = new TempDirectory();
        WriteThreeShards(temp);
        SafetensorsWriter.Write(temp.FilePath(SafetensorsCheckpoint.SingleFileName), [TestTensors.Random("single", SafetensorsDType.U8, [1], seed: 9)]);

        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(temp.Folder);

        Assert.Equal(["w0", "w1", "w2"], checkpoint.TensorNames);
        using JsonDocument index = JsonDocument.Parse(File.ReadAllText(temp.FilePath(SafetensorsCheckpoint.IndexFileName)));
        Assert.Equal(48, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
    }
}
