using FineTune.Torch.Safetensors;

namespace FineTune.Torch.Tests.Safetensors;

public sealed class SafetensorsFileTests
{
    private static SafetensorsFormatException OpenInvalid(TempDirectory temp, string headerJson, int dataLength)
    {
        string path = temp.FilePath("invalid.safetensors");
        TestTensors.WriteRaw(path, headerJson, dataLength);
        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Equal(path, ex.FilePath);
        return ex;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void Open_FileShorterThan8Bytes_Throws(int length)
    {
        using var temp = new TempDirectory();
        string path = temp.FilePath("short.safetensors");
        File.WriteAllBytes(path, new byte[length]);

        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));

        Assert.Contains("shorter than the 8-byte", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_GarbageHeader_ThrowsNotValidJson()
    {
        using var temp = new TempDirectory();

        var ex = OpenInvalid(temp, "{\"a\": \u0001garbage", 0);

        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_HeaderNotObject_Throws()
    {
        using var temp = new TempDirectory();

        var ex = OpenInvalid(temp, "[1, 2]  ", 0);

        Assert.Contains("must be a JSON object", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_HeaderLengthLargerThanFile_Throws()
    {
        using var temp = new TempDirectory();
        string path = temp.FilePath("long-header.safetensors");
        TestTensors.WriteRaw(path, 1000, "{}      "u8.ToArray());

        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));

        Assert.Contains("header length 1000 is larger than the file", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(100_000_001UL)]
    [InlineData(ulong.MaxValue)]
    public void Open_HeaderLengthOverLimit_Throws(ulong declared)
    {
        using var temp = new TempDirectory();
        string path = temp.FilePath("huge-header.safetensors");
        TestTensors.WriteRaw(path, declared, "{}"u8.ToArray());

        var ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));

        Assert.Contains("exceeds the 100000000-byte limit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WrongByteLength_ThrowsNamingTensor()
    {
        using var temp = new TempDirectory();

        var ex = OpenInvalid(temp, """{"w.bias":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}""", 20);

        Assert.Contains("'w.bias' spans 20 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("needs 24", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_OverlappingOffsets_ThrowsNamingBothTensors()
    {
        using var temp = new TempDirectory();

        var ex = OpenInvalid(
            temp,
            """{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[4],"data_offsets":[6,10]}}""",
            10);

        Assert.Contains("'a' [0, 8] and 'b' [6, 10] overlap", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_HoleAndZeroLengthTensorInside_IsAccepted()
    {
        using var temp = new TempDirectory();
        string path = temp.FilePath("hole.safetensors");
        TestTensors.WriteRaw(
            path,
            """{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[12,16]}}""",
            16);

        using SafetensorsFile file = SafetensorsFile.Open(path);

        Assert.Equal(3, file.Tensors.Count);
        Assert.Equal(4, file.GetBytes("b").Length);
    }

    [Fact]
    public void Open_UnknownDType_ThrowsNamingIt()
    {
        using var temp = new TempDirectory();

        var ex = OpenInvalid(temp, """{"q":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}""", 1);

        Assert.Contains("tensor 'q' has unknown dtype 'F8_E4M3'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NegativeDimension_Throws()
    {
        using var temp = new TempDirectory();

        var ex = OpenInvalid(temp, """{"n":{"dtype":"U8","shape":[-2,3],"data_offsets":[0,0]}}""", 0);

        Assert.Contains("negative shape dimension -2", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[0]", "two non-negative integers")]
    [InlineData("[0, 4, 8]", "two non-negative integers")]
    [InlineData("[-4, 0]", "two non-negative integers")]
    [InlineData("\"0,4\"", "two non-negative integers")]
    [InlineData("[8, 4]", "end is before its begin")]
    public void Open_BadDataOffsets_Throws(string offsets, string expected)
    {
        using var temp = new TempDirectory();

        var ex = OpenInvalid(temp, $$$"""{"o":{"dtype":"U8","shape":[4],"data_offsets":{{{offsets}}}}}""", 8);

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_OffsetsBeyondDataSection_ThrowsTruncated()
    {
        using var temp = new TempDirectory();

        var ex = OpenInvalid(temp, """{"t":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}""", 12);

        Assert.Contains("'t' ends at data offset 16, beyond the 12-byte data section: the file is truncated", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"__metadata__":{"k":1}}""", "'__metadata__' entry 'k' must be a string")]
    [InlineData("""{"__metadata__":[]}""", "'__metadata__' must be an object")]
    [InlineData("""{"x":[]}""", "entry for tensor 'x' must be an object")]
    [InlineData("""{"x":{"shape":[],"data_offsets":[0,1]}}""", "tensor 'x' has no string 'dtype'")]
    [InlineData("""{"x":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}""", "shape dimension 1.5")]
    [InlineData("""{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"x":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", "'x' appears twice")]
    [InlineData("""{"x":{"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,0]}}""", "too large to address")]
    public void Open_MalformedEntry_ThrowsWithProblem(string header, string expected)
    {
        using var temp = new TempDirectory();

        var ex = OpenInvalid(temp, header, 2);

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NullMetadata_IsEmpty()
    {
        using var temp = new TempDirectory();
        string path = temp.FilePath("null-meta.safetensors");
        TestTensors.WriteRaw(path, """{"__metadata__":null}""", 0);

        using SafetensorsFile file = SafetensorsFile.Open(path);

        Assert.Empty(file.Metadata);
        Assert.Empty(file.Tensors);
    }

    [Fact]
    public void GetBytes_UnknownName_ThrowsKeyNotFoundNamingTensor()
    {
        using var temp = new TempDirectory();
        string path = temp.FilePath("one.safetensors");
        SafetensorsWriter.Write(path, [TestTensors.Random("present", SafetensorsDType.U8, [2], seed: 1)]);
        using SafetensorsFile file = SafetensorsFile.Open(path);

        var ex = Assert.Throws<KeyNotFoundException>(() => file.GetBytes("absent"));

        Assert.Contains("'absent'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetBytes_SliceOutsideTensor_Throws()
    {
        using var temp = new TempDirectory();
        string path = temp.FilePath("slice.safetensors");
        SafetensorsTensor tensor = TestTensors.Random("s", SafetensorsDType.I16, [4], seed: 1);
        SafetensorsWriter.Write(path, [tensor]);
        using SafetensorsFile file = SafetensorsFile.Open(path);

        Assert.True(tensor.Data.Span[2..6].SequenceEqual(file.GetBytes("s", 2, 4)));
        Assert.Throws<ArgumentOutOfRangeException>(() => file.GetBytes("s", 6, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => file.GetBytes("s", 9, 0));
    }

    [Fact]
    public void GetBytes_AfterDispose_ThrowsObjectDisposed()
    {
        using var temp = new TempDirectory();
        string path = temp.FilePath("disposed.safetensors");
        SafetensorsWriter.Write(path, [TestTensors.Random("d", SafetensorsDType.U8, [2], seed: 1)]);
        SafetensorsFile file = SafetensorsFile.Open(path);

        file.Dispose();
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(() => file.GetBytes("d"));
    }
}
