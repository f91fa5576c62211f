using System.Runtime.InteropServices;
using FineTune.Torch.Interop;

namespace FineTune.Torch;

/// <summary>Conversions and moving data between .NET memory and tensors.</summary>
public sealed partial class Tensor
{
    [ThreadStatic]
    private static long t_hostReads;

    /// <summary>
    /// Element values read into .NET memory on this thread so far (<see cref="item"/>, <see cref="itemInt64"/>,
    /// <see cref="ToArray{T}"/>, <see cref="CopyTo"/>). On CUDA each one waits for every queued kernel, so the trainer
    /// keeps them to one per step; tests hold it to that with this count.
    /// </summary>
    public static long HostReadsOnThisThread => t_hostReads;

    /// <summary>Converts the element type (an alias when it already matches).</summary>
    public Tensor to(ScalarType type) => to(type, device);

    /// <summary>Moves to a device (an alias when already there).</summary>
    public Tensor to(Device target) => to(dtype, target);

    /// <summary>Converts the element type and device; <paramref name="copy"/> forces new storage.</summary>
    public Tensor to(ScalarType type, Device target, bool copy = false)
    {
        return From(NativeMethods.FtTensor_To(Handle, (int)type, (int)target.Type, target.Index, copy ? (byte)1 : (byte)0, out var r), r);
    }

    /// <summary>Copies to the CPU (an alias when already there).</summary>
    public Tensor cpu() => to(Device.CPU);

    /// <summary>The value of a one-element tensor as a double. A CPU-GPU sync point on CUDA.</summary>
    public double item()
    {
        t_hostReads++;
        Native.Check(NativeMethods.FtTensor_ItemDouble(Handle, out double value));
        return value;
    }

    /// <summary>The value of a one-element integer tensor, exact for all of int64.</summary>
    public long itemInt64()
    {
        t_hostReads++;
        Native.Check(NativeMethods.FtTensor_ItemInt64(Handle, out long value));
        return value;
    }

    /// <summary>
    /// Copies the elements in row-major order; <typeparamref name="T"/> must match the dtype. A meta tensor reads as
    /// zeros (it has no values), as <see cref="item"/> does.
    /// </summary>
    public T[] ToArray<T>()
        where T : unmanaged
    {
        ScalarType type = dtype;
        if (torch.ScalarTypeOf<T>() != type)
        {
            throw new InvalidOperationException($"cannot read a {type} tensor as {typeof(T).Name}; convert it with to() first");
        }
        var values = new T[numel()];
        CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    /// <summary>Copies the raw element bytes (row-major) into destination, which must be exactly the right size.</summary>
    public unsafe void CopyTo(Span<byte> destination)
    {
        t_hostReads++;
        fixed (byte* pointer = destination)
        {
            Native.Check(NativeMethods.FtTensor_CopyToBuffer(Handle, pointer, destination.Length));
        }
    }
}
