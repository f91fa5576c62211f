using System.Diagnostics.CodeAnalysis;

namespace FineTune.Torch.Safetensors;

/// <summary>Element sizes and header names of <see cref="SafetensorsDType"/>.</summary>
public static class SafetensorsDTypeExtensions
{
    /// <summary>Returns the size of one element in bytes.</summary>
    /// <param name="dtype">The element type.</param>
    /// <returns>1, 2, 4 or 8.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined member.</exception>
    public static int ElementSize(this SafetensorsDType dtype)
    {
        return dtype switch
        {
            SafetensorsDType.F64 or SafetensorsDType.I64 => 8,
            SafetensorsDType.F32 or SafetensorsDType.I32 => 4,
            SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.I16 => 2,
            SafetensorsDType.I8 or SafetensorsDType.U8 or SafetensorsDType.BOOL => 1,
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
        };
    }

    /// <summary>Returns the string that names this type in a safetensors header, e.g. <c>"BF16"</c>.</summary>
    /// <param name="dtype">The element type.</param>
    /// <returns>The header name.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined member.</exception>
    public static string ToHeaderName(this SafetensorsDType dtype)
    {
        // ElementSize rejects undefined values, so ToString never yields a bare number here.
        _ = dtype.ElementSize();
        return dtype.ToString();
    }

    /// <summary>
    /// Parses a header dtype string. Matching is exact and case-sensitive, and numeric strings are
    /// rejected (unlike <see cref="Enum.TryParse{TEnum}(string, out TEnum)"/>).
    /// </summary>
    /// <param name="name">The header string, e.g. <c>"F32"</c>.</param>
    /// <param name="dtype">The parsed type when this returns true.</param>
    /// <returns>True when <paramref name="name"/> is a supported dtype.</returns>
    public static bool TryParseHeaderName([NotNullWhen(true)] string? name, out SafetensorsDType dtype)
    {
        SafetensorsDType? parsed = name switch
        {
            "F64" => SafetensorsDType.F64,
            "F32" => SafetensorsDType.F32,
            "F16" => SafetensorsDType.F16,
            "BF16" => SafetensorsDType.BF16,
            "I64" => SafetensorsDType.I64,
            "I32" => SafetensorsDType.I32,
            "I16" => SafetensorsDType.I16,
            "I8" => SafetensorsDType.I8,
            "U8" => SafetensorsDType.U8,
            "BOOL" => SafetensorsDType.BOOL,
            _ => null,
        };
        dtype = parsed.GetValueOrDefault();
        return parsed.HasValue;
    }
}
