using System.Globalization;

namespace FineTune.Torch;

/// <summary>A device such as <c>cpu</c> or <c>cuda:1</c>.</summary>
/// <param name="Type">The device kind.</param>
/// <param name="Index">The device ordinal (0 for the CPU).</param>
public readonly record struct Device(DeviceType Type, int Index = 0)
{
    /// <summary>The host CPU.</summary>
    public static Device CPU => new(DeviceType.CPU);

    /// <summary>The meta device (no data; used to check device placement without a GPU).</summary>
    public static Device Meta => new(DeviceType.Meta);

    /// <summary>The CUDA device with the given ordinal.</summary>
    public static Device CUDA(int index = 0) => new(DeviceType.CUDA, index);

    /// <summary>Parses <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim().ToLowerInvariant();
        if (trimmed == "cpu")
        {
            return CPU;
        }
        if (trimmed == "cuda")
        {
            return CUDA();
        }
        if (trimmed == "meta")
        {
            return Meta;
        }
        if (trimmed.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(trimmed.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            return CUDA(index);
        }
        throw new FormatException($"unknown device '{text}'; expected cpu, cuda, cuda:N or meta");
    }

    /// <inheritdoc />
    public override string ToString() => Type switch
    {
        DeviceType.CPU => "cpu",
        DeviceType.Meta => "meta",
        _ => $"cuda:{Index}",
    };
}
