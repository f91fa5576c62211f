namespace FineTune.Torch.Safetensors;

/// <summary>A tensor to be written by <see cref="SafetensorsWriter"/>: its raw little-endian bytes plus type and shape.</summary>
/// <param name="Name">The tensor name; unique within a file and not <c>__metadata__</c>.</param>
/// <param name="DType">The element type.</param>
/// <param name="Shape">The dimensions, outermost first; empty for a scalar. Every dimension must be non-negative.</param>
/// <param name="Data">The raw bytes; the length must equal the element count times the element size.</param>
public sealed record SafetensorsTensor(
    string Name,
    SafetensorsDType DType,
    long[] Shape,
    ReadOnlyMemory<byte> Data);
