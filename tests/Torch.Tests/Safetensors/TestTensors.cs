using System.Buffers.Binary;
using System.Text;
using FineTune.Torch.Safetensors;

namespace FineTune.Torch.Tests.Safetensors;

/// <summary>Builds tensors with reproducible contents, and raw (possibly malformed) safetensors files.</summary>
internal static class TestTensors
{
    public static SafetensorsTensor Random(string name, SafetensorsDType dtype, long[] shape, int seed)
    {
        long count = shape.Aggregate(1L, (product, dimension) => product * dimension);
        var data = new byte[count * dtype.ElementSize()];
        new Random(seed).NextBytes(data);
        return new SafetensorsTensor(name, dtype, shape, data);
    }

    /// <summary>Writes a file from a literal header and a zeroed data section, bypassing the writer's validation.</summary>
    public static void WriteRaw(string path, string headerJson, int dataLength)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        WriteRaw(path, (ulong)header.Length, [.. header, .. new byte[dataLength]]);
    }

    /// <summary>Writes a length prefix that may lie about the header, followed by arbitrary bytes.</summary>
    public static void WriteRaw(string path, ulong declaredHeaderLength, byte[] rest)
    {
        var bytes = new byte[8 + rest.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength);
        rest.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
    }
}
