using FineTune.Torch;

namespace FineTune.Benchmarks;

/// <summary>
/// The backends <c>bench train</c> runs on and the device and default dtype each stands for. libtorch-cpu defaults
/// to fp32, the figure the CPU targets are stated in; libtorch-cuda defaults to bf16, what GPU fine-tuning runs in
/// and what the Hugging Face reference (tools/reference/hf_peft_bench.py) loads.
/// </summary>
internal static class BenchBackend
{
    public const string Cpu = "libtorch-cpu";

    public const string Cuda = "libtorch-cuda";

    public static readonly string[] Names = [Cpu, Cuda];

    /// <summary>The device of <paramref name="backend"/>; an unusable CUDA device is one readable error, before any model loads.</summary>
    public static Device Resolve(string backend, int deviceIndex)
    {
        if (backend == Cpu)
        {
            return Device.CPU;
        }
        if (backend != Cuda)
        {
            throw new ArgumentException($"--backend '{backend}' is not one of {string.Join(", ", Names)}");
        }
        if (!torch.cuda.is_available())
        {
            throw new ArgumentException($"--backend {Cuda}: libtorch {torch.version} sees no CUDA device (CPU-only build, no driver, or hidden by CUDA_VISIBLE_DEVICES); use --backend {Cpu}");
        }
        int count = torch.cuda.device_count();
        if (deviceIndex < 0 || deviceIndex >= count)
        {
            throw new ArgumentException($"--device-index {deviceIndex}: this machine has CUDA devices 0..{count - 1}");
        }
        return Device.CUDA(deviceIndex);
    }

    public static ScalarType DefaultDType(Device device) => device.Type == DeviceType.CUDA ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>The short name the CLI accepts and prints (f32, bf16, f16).</summary>
    public static string DTypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "f32",
        ScalarType.BFloat16 => "bf16",
        ScalarType.Float16 => "f16",
        _ => dtype.ToString().ToLowerInvariant(),
    };

    /// <summary>A GPU's marketing name, or the CPU model from /proc/cpuinfo, so a saved figure says what ran it.</summary>
    public static string DeviceName(Device device)
    {
        if (device.Type == DeviceType.CUDA)
        {
            return torch.cuda.get_device_info(device.Index).name;
        }
        string? line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line is null ? "cpu" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    /// <summary>Blocks until the device has run every queued kernel; a no-op on the CPU, where ops run synchronously.</summary>
    public static void Synchronize(Device device)
    {
        if (device.Type == DeviceType.CUDA)
        {
            torch.cuda.synchronize(device.Index);
        }
    }
}
