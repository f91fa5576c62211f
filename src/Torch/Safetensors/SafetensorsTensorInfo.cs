namespace FineTune.Torch.Safetensors;

/// <summary>
/// One tensor entry of a safetensors header, already validated against the file it came from.
/// </summary>
/// <param name="Name">The tensor name as stored in the header.</param>
/// <param name="DType">The element type.</param>
/// <param name="Shape">The dimensions, outermost first; empty for a scalar. Do not mutate.</param>
/// <param name="ByteOffset">
/// Start of the tensor's bytes, relative to the start of the data section (the header's
/// <c>data_offsets[0]</c>); add <see cref="SafetensorsFile.DataSectionOffset"/> for a file position.
/// </param>
/// <param name="ByteLength">Number of bytes: the element count times the element size.</param>
public sealed record SafetensorsTensorInfo(
    string Name,
    SafetensorsDType DType,
    long[] Shape,
    long ByteOffset,
    long ByteLength)
{
    /// <summary>Gets the number of elements (the product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount => ByteLength / DType.ElementSize();
}
