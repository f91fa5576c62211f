using System.Runtime.InteropServices;
using FineTune.Torch.Interop;

namespace FineTune.Torch.Handles;

/// <summary>
/// Owns one native <c>FtTensor*</c>. P/Invoke signatures take and return this type, never IntPtr, so the
/// runtime keeps the handle alive across each call. Release through <see cref="Tensor.Dispose"/>; a handle the
/// finalizer has to reclaim is counted as a leak (STYLE.md rule 4).
/// </summary>
public sealed class TensorHandle : SafeHandle
{
    private static long s_finalizerReleases;
    private int _explicitRelease;

    /// <summary>A shared invalid handle passed where the native side accepts null; never released.</summary>
    internal static readonly TensorHandle Null = new();

    /// <summary>Creates an empty handle; the interop marshaller fills it in.</summary>
    public TensorHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    internal TensorHandle(IntPtr pointer)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(pointer);
    }

    /// <summary>Number of handles reclaimed by the finalizer instead of an explicit Dispose (leaks).</summary>
    public static long FinalizerReleaseCount => Interlocked.Read(ref s_finalizerReleases);

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    internal void MarkExplicitRelease()
    {
        Volatile.Write(ref _explicitRelease, 1);
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        if (Volatile.Read(ref _explicitRelease) == 0)
        {
            Interlocked.Increment(ref s_finalizerReleases);
        }
        NativeMethods.FtTensor_Free(handle);
        return true;
    }
}
