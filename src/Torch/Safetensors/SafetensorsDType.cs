namespace FineTune.Torch.Safetensors;

/// <summary>
/// Element types a safetensors file can store. Member names are spelled exactly as the
/// <c>dtype</c> strings in the file header, so <see cref="object.ToString"/> gives the header name.
/// </summary>
public enum SafetensorsDType
{
    /// <summary>IEEE 754 binary64, 8 bytes.</summary>
    F64,

    /// <summary>IEEE 754 binary32, 4 bytes.</summary>
    F32,

    /// <summary>IEEE 754 binary16, 2 bytes.</summary>
    F16,

    /// <summary>bfloat16 (the top half of a binary32), 2 bytes.</summary>
    BF16,

    /// <summary>Signed 64-bit integer, 8 bytes.</summary>
    I64,

    /// <summary>Signed 32-bit integer, 4 bytes.</summary>
    I32,

    /// <summary>Signed 16-bit integer, 2 bytes.</summary>
    I16,

    /// <summary>Signed 8-bit integer, 1 byte.</summary>
    I8,

    /// <summary>Unsigned 8-bit integer, 1 byte.</summary>
    U8,

    /// <summary>Boolean stored as one byte (0 or 1).</summary>
    BOOL,
}
