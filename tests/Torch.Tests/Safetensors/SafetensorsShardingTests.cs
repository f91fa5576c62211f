using System.Text.Json;
using FineTune.Torch.Safetensors;

namespace FineTune.Torch.Tests.Safetensors;

public sealed class SafetensorsShardingTests
{
    private static SafetensorsTensor[] SixTensorsOf64Bytes()
    {
        return [.. Enumerable.Range(0, 6).Select(i => TestTensors.Random($"layers.{i}.weight", SafetensorsDType.F32, [4, 4], seed: i))];
    }

    [Fact]
    public void WriteSharded_SmallLimit_WritesThreeShardsReadableThroughCheckpoint()
    {
        using var temp = new TempDirectory();
        SafetensorsTensor[] tensors = SixTensorsOf64Bytes();

        IReadOnlyList<string> written = SafetensorsWriter.WriteSharded(temp.Folder, tensors, maxShardBytes: 128, new Dictionary<string, string> { ["format"] = "pt" });

        string[] shards = ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"];
        Assert.Equal([.. shards, SafetensorsCheckpoint.IndexFileName], written);
        Assert.Equal([.. shards, SafetensorsCheckpoint.IndexFileName], Directory.GetFiles(temp.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(temp.Folder);
        Assert.Equal(3, checkpoint.Files.Count);
        Assert.Equal(tensors.Select(t => t.Name).Order(StringComparer.Ordinal), checkpoint.TensorNames);
        foreach (SafetensorsTensor tensor in tensors)
        {
            Assert.True(tensor.Data.Span.SequenceEqual(checkpoint.GetBytes(tensor.Name)));
        }

        Assert.True(checkpoint.TryGetTensor("layers.5.weight", out _, out SafetensorsFile? file));
        Assert.EndsWith(shards[2], file.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteSharded_Index_MatchesHuggingFaceFormat()
    {
        using var temp = new TempDirectory();

        SafetensorsWriter.WriteSharded(temp.Folder, SixTensorsOf64Bytes(), maxShardBytes: 128);

        string text = File.ReadAllText(Path.Combine(temp.Folder, SafetensorsCheckpoint.IndexFileName));
        Assert.StartsWith("{\n  \"metadata\": {\n    \"total_size\": 384\n  },\n  \"weight_map\": {\n    \"layers.0.weight\": \"model-00001-of-00003.safetensors\",", text, StringComparison.Ordinal);
        Assert.EndsWith("}\n", text, StringComparison.Ordinal);
        using JsonDocument index = JsonDocument.Parse(text);
        JsonElement weightMap = index.RootElement.GetProperty("weight_map");
        Assert.Equal(6, weightMap.EnumerateObject().Count());
        Assert.Equal("model-00002-of-00003.safetensors", weightMap.GetProperty("layers.3.weight").GetString());
    }

    [Fact]
    public void WriteSharded_TensorLargerThanLimit_GetsItsOwnShard()
    {
        using var temp = new TempDirectory();
        SafetensorsTensor small = TestTensors.Random("small", SafetensorsDType.U8, [10], seed: 1);
        SafetensorsTensor big = TestTensors.Random("big", SafetensorsDType.U8, [100], seed: 2);
        SafetensorsTensor tail = TestTensors.Random("tail", SafetensorsDType.U8, [10], seed: 3);

        IReadOnlyList<string> written = SafetensorsWriter.WriteSharded(temp.Folder, [small, big, tail], maxShardBytes: 50);

        Assert.Equal(4, written.Count);
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(temp.Folder);
        Assert.True(checkpoint.TryGetTensor("big", out _, out SafetensorsFile? file));
        Assert.Single(file.Tensors);
    }

    [Fact]
    public void WriteSharded_EverythingFits_WritesSingleFileAndRemovesStaleShards()
    {
        using var temp = new TempDirectory();
        SafetensorsTensor[] tensors = SixTensorsOf64Bytes();
        SafetensorsWriter.WriteSharded(temp.Folder, tensors, maxShardBytes: 128);

        IReadOnlyList<string> written = SafetensorsWriter.WriteSharded(temp.Folder, tensors, maxShardBytes: 1 << 20);

        Assert.Equal([SafetensorsCheckpoint.SingleFileName], written);
        Assert.Equal([SafetensorsCheckpoint.SingleFileName], Directory.GetFiles(temp.Folder).Select(Path.GetFileName));
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(temp.Folder);
        Assert.Equal(6, checkpoint.TensorNames.Count);
    }

    [Fact]
    public void WriteSharded_FewerShardsThanBefore_RemovesStaleShards()
    {
        using var temp = new TempDirectory();
        SafetensorsTensor[] tensors = SixTensorsOf64Bytes();
        SafetensorsWriter.WriteSharded(temp.Folder, tensors, maxShardBytes: 64);
        File.WriteAllText(Path.Combine(temp.Folder, "config.json"), "{}");

        SafetensorsWriter.WriteSharded(temp.Folder, tensors, maxShardBytes: 192);

        Assert.Equal(
            ["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", SafetensorsCheckpoint.IndexFileName],
            Directory.GetFiles(temp.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
