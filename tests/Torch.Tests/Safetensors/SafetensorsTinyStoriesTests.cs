using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FineTune.Testing;
using FineTune.Torch.Safetensors;

namespace FineTune.Torch.Tests.Safetensors;

/// <summary>Reads the real TinyStories-656K checkpoint (float32, tied embeddings stored once).</summary>
public sealed class SafetensorsTinyStoriesTests
{
    private static string ModelFile => Path.Combine(RepoPaths.Model("tinystories-656k"), SafetensorsCheckpoint.SingleFileName);

    [Fact]
    public void Open_TinyStories_Has21TensorsAnd656000Parameters()
    {
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(RepoPaths.Model("tinystories-656k"));

        // 21 model tensors: 20 stored plus the tied embedding, which is only an alias of lm_head.weight.
        Assert.Equal(20, checkpoint.TensorNames.Count);
        Assert.Equal(21, checkpoint.TensorNames.Count + checkpoint.Aliases.Count);
        Assert.Equal(656_000, checkpoint.TensorNames.Sum(name => checkpoint.GetInfo(name).ElementCount));
        Assert.All(checkpoint.TensorNames, name => Assert.Equal(SafetensorsDType.F32, checkpoint.GetInfo(name).DType));
        SafetensorsTensorInfo head = checkpoint.GetInfo("lm_head.weight");
        Assert.Equal([2048L, 128L], head.Shape);
        Assert.Equal(2048 * 128 * 4, head.ByteLength);
    }

    [Fact]
    public void GetBytes_TiedEmbeddingAlias_ResolvesToLmHeadBytes()
    {
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(RepoPaths.Model("tinystories-656k"));

        ReadOnlySpan<byte> embedding = checkpoint.GetBytes("model.embed_tokens.weight");
        ReadOnlySpan<byte> head = checkpoint.GetBytes("lm_head.weight");

        Assert.Equal(new Dictionary<string, string> { ["model.embed_tokens.weight"] = "lm_head.weight" }, checkpoint.Aliases);
        Assert.DoesNotContain("model.embed_tokens.weight", checkpoint.TensorNames);
        Assert.Equal("lm_head.weight", checkpoint.GetInfo("model.embed_tokens.weight").Name);
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(embedding), ref MemoryMarshal.GetReference(head)));
        Assert.Equal(head.Length, embedding.Length);
    }

    [Fact]
    public void GetBytes_FinalNorm_FirstFloatIsFinite()
    {
        using SafetensorsFile file = SafetensorsFile.Open(ModelFile);

        float first = BinaryPrimitives.ReadSingleLittleEndian(file.GetBytes("model.norm.weight"));

        Assert.True(float.IsFinite(first));
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(new FileInfo(ModelFile).Length, file.DataSectionOffset + file.DataSectionLength);
    }

    [Fact]
    public void Open_TinyStoriesCutBy100Bytes_ThrowsTruncated()
    {
        using var temp = new TempDirectory();
        string path = temp.FilePath("truncated.safetensors");
        byte[] bytes = File.ReadAllBytes(ModelFile);
        File.WriteAllBytes(path, bytes[..^100]);

        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));

        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        Assert.Contains("model.norm.weight", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TinyStoriesWithMutatedHeaderOrLength_OnlyThrowsFormatException()
    {
        // Seeded mutations of the real header: each must open cleanly or fail with a format error, never crash.
        using var temp = new TempDirectory();
        string path = temp.FilePath("mutated.safetensors");
        byte[] original = File.ReadAllBytes(ModelFile);
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        var random = new Random(1234);
        byte[] digits = "0123456789-[]{},\" "u8.ToArray();
        int rejected = 0;

        for (int round = 0; round < 200; round++)
        {
            byte[] bytes = round % 10 == 0 ? original[..random.Next(0, original.Length)] : (byte[])original.Clone();
            for (int i = 0; i < 1 + (round % 4) && round % 10 != 0; i++)
            {
                bytes[random.Next(0, headerEnd)] = digits[random.Next(digits.Length)];
            }

            File.WriteAllBytes(path, bytes);
            try
            {
                using SafetensorsFile file = SafetensorsFile.Open(path);
                foreach (string name in file.Tensors.Keys)
                {
                    _ = file.GetBytes(name).Length;
                }
            }
            catch (SafetensorsFormatException)
            {
                rejected++;
            }
        }

        Assert.True(rejected > 0);
    }
}
