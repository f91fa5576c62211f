namespace FineTune.Torch;

/// <summary>Element types; values equal c10::ScalarType (and FT_DTYPE_* in ft_shim.h).</summary>
public enum ScalarType
{
    /// <summary>Unsigned 8-bit integer.</summary>
    Byte = 0,

    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 1,

    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 2,

    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 3,

    /// <summary>Signed 64-bit integer (indices, token ids).</summary>
    Int64 = 4,

    /// <summary>IEEE half precision.</summary>
    Float16 = 5,

    /// <summary>IEEE single precision.</summary>
    Float32 = 6,

    /// <summary>IEEE double precision.</summary>
    Float64 = 7,

    /// <summary>Boolean (one byte per element).</summary>
    Bool = 11,

    /// <summary>Brain floating point: float32's exponent with a 7-bit mantissa.</summary>
    BFloat16 = 15,
}
