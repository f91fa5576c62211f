namespace FineTune.Torch.Safetensors;

/// <summary>Moves tensors between safetensors files and libtorch: load by name, save from a <see cref="Tensor"/>.</summary>
public static class SafetensorsTensorConversions
{
    /// <summary>Copies a stored tensor (or alias) into a new CPU tensor the caller owns.</summary>
    public static Tensor LoadTensor(this SafetensorsCheckpoint checkpoint, string name)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        SafetensorsTensorInfo info = checkpoint.GetInfo(name);
        return torch.frombuffer(checkpoint.GetBytes(name), info.Shape, ToScalarType(info.DType));
    }

    /// <summary>Copies a tensor of this file into a new CPU tensor the caller owns.</summary>
    public static Tensor LoadTensor(this SafetensorsFile file, string name)
    {
        ArgumentNullException.ThrowIfNull(file);
        SafetensorsTensorInfo info = file.GetInfo(name);
        return torch.frombuffer(file.GetBytes(name), info.Shape, ToScalarType(info.DType));
    }

    /// <summary>Copies a tensor's elements (row-major, from any device) into a record for <see cref="SafetensorsWriter"/>.</summary>
    public static SafetensorsTensor ToSafetensor(this Tensor tensor, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ScalarType type = tensor.dtype;
        byte[] data = new byte[tensor.numel() * torch.ElementSize(type)];
        tensor.CopyTo(data);
        return new SafetensorsTensor(name, ToSafetensorsDType(type), tensor.shape, data);
    }

    /// <summary>The libtorch dtype of a safetensors dtype.</summary>
    public static ScalarType ToScalarType(SafetensorsDType dtype)
    {
        return dtype switch
        {
            SafetensorsDType.F64 => ScalarType.Float64,
            SafetensorsDType.F32 => ScalarType.Float32,
            SafetensorsDType.F16 => ScalarType.Float16,
            SafetensorsDType.BF16 => ScalarType.BFloat16,
            SafetensorsDType.I64 => ScalarType.Int64,
            SafetensorsDType.I32 => ScalarType.Int32,
            SafetensorsDType.I16 => ScalarType.Int16,
            SafetensorsDType.I8 => ScalarType.Int8,
            SafetensorsDType.U8 => ScalarType.Byte,
            SafetensorsDType.BOOL => ScalarType.Bool,
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown safetensors dtype"),
        };
    }

    /// <summary>The safetensors dtype of a libtorch dtype.</summary>
    public static SafetensorsDType ToSafetensorsDType(ScalarType type)
    {
        return type switch
        {
            ScalarType.Float64 => SafetensorsDType.F64,
            ScalarType.Float32 => SafetensorsDType.F32,
            ScalarType.Float16 => SafetensorsDType.F16,
            ScalarType.BFloat16 => SafetensorsDType.BF16,
            ScalarType.Int64 => SafetensorsDType.I64,
            ScalarType.Int32 => SafetensorsDType.I32,
            ScalarType.Int16 => SafetensorsDType.I16,
            ScalarType.Int8 => SafetensorsDType.I8,
            ScalarType.Byte => SafetensorsDType.U8,
            ScalarType.Bool => SafetensorsDType.BOOL,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "dtype has no safetensors name"),
        };
    }
}
