namespace FineTune.Torch;

/// <summary>Device kinds; values equal c10::DeviceType.</summary>
public enum DeviceType
{
    /// <summary>The host CPU.</summary>
    CPU = 0,

    /// <summary>An NVIDIA GPU.</summary>
    CUDA = 1,
}
