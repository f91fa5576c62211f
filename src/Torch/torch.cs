using System.Runtime.InteropServices;
using FineTune.Torch.Handles;
using FineTune.Torch.Interop;

namespace FineTune.Torch;

/// <summary>
/// Entry point of the tensor API, shaped like TorchSharp's <c>torch</c> class (<c>torch.zeros</c>,
/// <c>torch.matmul</c>, <c>torch.no_grad()</c>) so moving to TorchSharp later stays mechanical.
/// Creation functions default to float32 on the CPU.
/// </summary>
public static partial class torch
{
    /// <summary>float32</summary>
    public const ScalarType float32 = ScalarType.Float32;

    /// <summary>float64</summary>
    public const ScalarType float64 = ScalarType.Float64;

    /// <summary>float16</summary>
    public const ScalarType float16 = ScalarType.Float16;

    /// <summary>bfloat16</summary>
    public const ScalarType bfloat16 = ScalarType.BFloat16;

    /// <summary>int64</summary>
    public const ScalarType int64 = ScalarType.Int64;

    /// <summary>int32</summary>
    public const ScalarType int32 = ScalarType.Int32;

    /// <summary>uint8</summary>
    public const ScalarType uint8 = ScalarType.Byte;

    /// <summary>bool</summary>
    public const ScalarType @bool = ScalarType.Bool;

    /// <summary>libtorch's version, e.g. "1.13.1".</summary>
    public static string version
    {
        get
        {
            Native.Check(NativeMethods.FtTorch_Version(out IntPtr text));
            return Marshal.PtrToStringUTF8(text) ?? "";
        }
    }

    /// <summary>libtorch's build configuration (at::show_config): compiler, BLAS, CPU capabilities.</summary>
    public static string build_config
    {
        get
        {
            Native.Check(NativeMethods.FtTorch_Config(out IntPtr text));
            return Marshal.PtrToStringUTF8(text) ?? "";
        }
    }

    /// <summary>Whether libtorch has its own fused scaled_dot_product_attention (2.x); 1.13 composes it.</summary>
    public static bool has_native_sdpa
    {
        get
        {
            Native.Check(NativeMethods.FtTorch_HasNativeSdpa(out byte value));
            return value != 0;
        }
    }

    /// <summary>Whether this shim was built with libtorch's variable-length flash attention (libtorch ≥ 2.5).</summary>
    public static bool has_varlen_flash_attention
    {
        get
        {
            Native.Check(NativeMethods.FtTorch_HasVarlenFlashAttention(out byte value));
            return value != 0;
        }
    }

    /// <summary>
    /// Whether scaled_dot_product_attention runs libtorch's own kernel on <paramref name="device"/> (else it composes the
    /// same math): on libtorch 2.x, except on the meta device and on a CPU whose OpenBLAS pool has more than one thread,
    /// which the kernel's parallel BLAS calls would fight (figures in FineTune.Torch's AttentionKernel).
    /// </summary>
    public static bool native_sdpa_runs_on(DeviceType device) =>
        AttentionKernel.RunsNative(has_native_sdpa, device, device == DeviceType.CPU ? get_blas_threads() : null);

    /// <summary>Live native tensor handles in this process (the leak counter of STYLE.md rule 4).</summary>
    public static long live_tensor_count
    {
        get
        {
            Native.Check(NativeMethods.FtTensor_LiveCount(out long count));
            return count;
        }
    }

    /// <summary>Sets the number of intra-op CPU threads.</summary>
    public static void set_num_threads(int threads) => Native.Check(NativeMethods.FtTorch_SetNumThreads(threads));

    /// <summary>The number of intra-op CPU threads.</summary>
    public static int get_num_threads()
    {
        Native.Check(NativeMethods.FtTorch_GetNumThreads(out int threads));
        return threads;
    }

    /// <summary>
    /// Sets OpenBLAS's own thread count when libtorch links OpenBLAS (Debian's CPU libtorch); false when it does not,
    /// as with the MKL of pip's builds, whose threads follow <see cref="set_num_threads"/>.
    /// </summary>
    public static bool set_blas_threads(int threads)
    {
        Native.Check(NativeMethods.FtTorch_SetBlasThreads(threads, out byte applied));
        return applied != 0;
    }

    /// <summary>OpenBLAS's thread count, or null when libtorch does not link OpenBLAS.</summary>
    public static int? get_blas_threads()
    {
        Native.Check(NativeMethods.FtTorch_GetBlasThreads(out int threads));
        return threads >= 0 ? threads : null;
    }

    /// <summary>
    /// Whether the CPU pools' idle threads sleep instead of spinning (libtorch's OpenMP pool and OpenBLAS's; set before
    /// they load unless the process was started with <c>OMP_WAIT_POLICY</c>/<c>OPENBLAS_THREAD_TIMEOUT</c> of its own),
    /// so both pools can have every core.
    /// </summary>
    public static bool idle_threads_sleep
    {
        get
        {
            get_num_threads(); // loads the libraries if nothing has yet
            return IdleThreadWaiting.Sleeping;
        }
    }

    /// <summary>Seeds libtorch's default CPU and CUDA generators.</summary>
    public static void manual_seed(long seed) => Native.Check(NativeMethods.FtTorch_ManualSeed(seed));

    /// <summary>Whether autograd records ops on this thread.</summary>
    public static bool is_grad_enabled()
    {
        Native.Check(NativeMethods.FtTorch_IsGradEnabled(out byte enabled));
        return enabled != 0;
    }

    /// <summary>Disables gradient recording on this thread until the returned scope is disposed.</summary>
    public static IDisposable no_grad() => new GradModeScope(false);

    /// <summary>Enables gradient recording on this thread until the returned scope is disposed.</summary>
    public static IDisposable enable_grad() => new GradModeScope(true);

    /// <summary>Maps a .NET element type to its dtype.</summary>
    public static ScalarType ScalarTypeOf<T>()
        where T : unmanaged
    {
        return default(T) switch
        {
            float => ScalarType.Float32,
            double => ScalarType.Float64,
            Half => ScalarType.Float16,
            long => ScalarType.Int64,
            int => ScalarType.Int32,
            short => ScalarType.Int16,
            sbyte => ScalarType.Int8,
            byte => ScalarType.Byte,
            bool => ScalarType.Bool,
            _ => throw new NotSupportedException($"{typeof(T).Name} has no tensor dtype; use frombuffer with an explicit dtype"),
        };
    }

    /// <summary>Size in bytes of one element of the dtype.</summary>
    public static int ElementSize(ScalarType type)
    {
        return type switch
        {
            ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
            ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
            ScalarType.Int32 or ScalarType.Float32 => 4,
            ScalarType.Int64 or ScalarType.Float64 => 8,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown dtype"),
        };
    }

    private sealed class GradModeScope : IDisposable
    {
        private readonly bool _previous;
        private bool _disposed;

        public GradModeScope(bool enabled)
        {
            _previous = is_grad_enabled();
            Native.Check(NativeMethods.FtTorch_SetGradEnabled(enabled ? (byte)1 : (byte)0));
        }

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                Native.Check(NativeMethods.FtTorch_SetGradEnabled(_previous ? (byte)1 : (byte)0));
            }
        }
    }

    internal static Tensor Wrap(int status, TensorHandle handle) => Tensor.From(status, handle);
}
