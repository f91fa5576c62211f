using System.Buffers.Binary;
using System.Text;
using FineTune.Torch.Safetensors;

namespace FineTune.Torch.Tests.Safetensors;

public sealed class SafetensorsWriterTests
{
    private static readonly Dictionary<string, string> s_metadata = new() { ["format"] = "pt", ["note"] = "caf\u00e9 <&>" };

    [Fact]
    public void Write_EveryDTypeWithMetadata_RoundTripsBytes()
    {
        using var temp = new TempDirectory();
        string path = temp.FilePath("all.safetensors");
        SafetensorsTensor[] tensors = [.. Enum.GetValues<SafetensorsDType>().Select((dtype, i) => TestTensors.Random($"t.{dtype}", dtype, [2, 3], seed: i))];

        SafetensorsWriter.Write(path, tensors, s_metadata);

        using SafetensorsFile file = SafetensorsFile.Open(path);
        Assert.Equal(s_metadata, file.Metadata);
        Assert.Equal(tensors.Length, file.Tensors.Count);
        foreach (SafetensorsTensor expected in tensors)
        {
            SafetensorsTensorInfo info = file.Tensors[expected.Name];
            Assert.Equal(expected.DType, info.DType);
            Assert.Equal(expected.Shape, info.Shape);
            Assert.Equal(6, info.ElementCount);
            Assert.True(expected.Data.Span.SequenceEqual(file.GetBytes(expected.Name)));
        }
    }

    [Fact]
    public void Write_Layout_PadsHeaderTo8BytesAndPacksTensorsInOrder()
    {
        using var temp = new TempDirectory();
        string path = temp.FilePath("layout.safetensors");
        SafetensorsTensor first = TestTensors.Random("z.first", SafetensorsDType.U8, [3], seed: 1);
        SafetensorsTensor second = TestTensors.Random("a.second", SafetensorsDType.F32, [2], seed: 2);

        SafetensorsWriter.Write(path, [first, second]);

        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(8 + headerLength + 3 + 8, bytes.Length);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.StartsWith("{\"z.first\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},\"a.second\":", header, StringComparison.Ordinal);
        Assert.EndsWith("}", header.TrimEnd(' '), StringComparison.Ordinal);
        using SafetensorsFile file = SafetensorsFile.Open(path);
        Assert.Equal(3, file.Tensors["a.second"].ByteOffset);
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void Write_ZeroTensors_ReadsBackEmpty()
    {
        using var temp = new TempDirectory();
        string path = temp.FilePath("empty.safetensors");

        SafetensorsWriter.Write(path, [], s_metadata);

        using SafetensorsFile file = SafetensorsFile.Open(path);
        Assert.Empty(file.Tensors);
        Assert.Equal(0, file.DataSectionLength);
        Assert.Equal(file.DataSectionOffset, new FileInfo(path).Length);
        Assert.Equal("pt", file.Metadata["format"]);
    }

    [Fact]
    public void Write_ZeroElementAndScalarTensors_ReadBack()
    {
        using var temp = new TempDirectory();
        string path = temp.FilePath("zero.safetensors");
        SafetensorsTensor empty = TestTensors.Random("empty", SafetensorsDType.BF16, [0, 4], seed: 1);
        SafetensorsTensor scalar = TestTensors.Random("scalar", SafetensorsDType.F64, [], seed: 2);

        SafetensorsWriter.Write(path, [empty, scalar]);

        using SafetensorsFile file = SafetensorsFile.Open(path);
        Assert.Equal(0, file.GetBytes("empty").Length);
        Assert.Equal([0L, 4L], file.Tensors["empty"].Shape);
        Assert.Empty(file.Tensors["scalar"].Shape);
        Assert.True(scalar.Data.Span.SequenceEqual(file.GetBytes("scalar")));
    }

    [Fact]
    public void Write_OnlyZeroElementTensor_ReadsBack()
    {
        using var temp = new TempDirectory();
        string path = temp.FilePath("only-empty.safetensors");

        SafetensorsWriter.Write(path, [new SafetensorsTensor("nothing", SafetensorsDType.F32, [3, 0], ReadOnlyMemory<byte>.Empty)]);

        using SafetensorsFile file = SafetensorsFile.Open(path);
        Assert.Equal(0, file.DataSectionLength);
        Assert.True(file.GetBytes("nothing").IsEmpty);
    }

    [Fact]
    public void Write_WrongDataLength_ThrowsAndLeavesNoFile()
    {
        using var temp = new TempDirectory();
        string path = temp.FilePath("bad.safetensors");
        SafetensorsTensor good = TestTensors.Random("good", SafetensorsDType.F32, [4], seed: 1);
        var bad = new SafetensorsTensor("bad", SafetensorsDType.F32, [2, 2], new byte[15]);

        var ex = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [good, bad]));

        Assert.Contains("'bad'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("15", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(temp.Folder));
    }

    [Fact]
    public void Write_WrongDataLength_KeepsExistingFileUnchanged()
    {
        using var temp = new TempDirectory();
        string path = temp.FilePath("keep.safetensors");
        SafetensorsWriter.Write(path, [TestTensors.Random("w", SafetensorsDType.I32, [5], seed: 3)]);
        byte[] before = File.ReadAllBytes(path);
        var bad = new SafetensorsTensor("w", SafetensorsDType.I32, [5], new byte[4]);

        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [bad]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Theory]
    [InlineData("dup")]
    [InlineData("__metadata__")]
    public void Write_DuplicateOrReservedName_Throws(string secondName)
    {
        using var temp = new TempDirectory();
        SafetensorsTensor first = TestTensors.Random("dup", SafetensorsDType.U8, [1], seed: 1);
        SafetensorsTensor second = TestTensors.Random(secondName, SafetensorsDType.U8, [1], seed: 2);

        var ex = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(temp.FilePath("x.safetensors"), [first, second]));

        Assert.Contains(secondName, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_NegativeDimension_Throws()
    {
        using var temp = new TempDirectory();
        var tensor = new SafetensorsTensor("neg", SafetensorsDType.U8, [-1], ReadOnlyMemory<byte>.Empty);

        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(temp.FilePath("x.safetensors"), [tensor]));
    }
}
