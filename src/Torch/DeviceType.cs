namespace FineTune.Torch;

/// <summary>Device kinds; values equal c10::DeviceType.</summary>
public enum DeviceType
{
    /// <summary>The host CPU.</summary>
    CPU = 0,

    /// <summary>An NVIDIA GPU.</summary>
    CUDA = 1,

    /// <summary>
    /// Tensors with shapes and dtypes but no data. Tests run the engine's device paths on it without a GPU: a CPU
    /// tensor or generator meeting a meta tensor fails as it would on CUDA.
    /// </summary>
    Meta = 14,
}
