using System.Runtime.InteropServices;
using FineTune.Torch.Interop;

namespace FineTune.Torch.Handles;

/// <summary>Owns one native <c>FtGenerator*</c> (a seeded libtorch random generator).</summary>
public sealed class GeneratorHandle : SafeHandle
{
    /// <summary>A shared invalid handle that selects libtorch's default generator; never released.</summary>
    internal static readonly GeneratorHandle Null = new();

    /// <summary>Creates an empty handle; the interop marshaller fills it in.</summary>
    public GeneratorHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        NativeMethods.FtGenerator_Free(handle);
        return true;
    }
}
