using FineTune.Torch.Handles;
using FineTune.Torch.Interop;

namespace FineTune.Torch;

/// <summary>
/// A libtorch tensor owned through a <see cref="TensorHandle"/>. Ownership rules (STYLE.md section 7): every
/// method that returns a Tensor returns a new handle the caller owns (in-place ops return a new alias); arguments
/// are only borrowed; tensors created inside a <see cref="TensorScope"/> are disposed with it.
/// Method names follow PyTorch/TorchSharp (<c>t.matmul(w)</c>, <c>t.add_(g)</c>) so code reads like the math.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    internal Tensor(TensorHandle handle)
    {
        if (handle.IsInvalid)
        {
            throw new ArgumentException("a tensor needs a valid native handle", nameof(handle));
        }
        Handle = handle;
        t_tensorsCreated++;
        TensorScope.Register(this);
    }

    internal TensorHandle Handle { get; }

    /// <summary>Whether this tensor's handle has been released.</summary>
    public bool IsDisposed => Handle.IsClosed;

    /// <summary>Number of dimensions.</summary>
    public long dim()
    {
        Native.Check(NativeMethods.FtTensor_Dim(Handle, out long dims));
        return dims;
    }

    /// <summary>Sizes of every dimension.</summary>
    public long[] shape
    {
        get
        {
            long[] sizes = new long[dim()];
            Native.Check(NativeMethods.FtTensor_Shape(Handle, sizes, sizes.Length));
            return sizes;
        }
    }

    /// <summary>Size of one dimension (negative counts from the end).</summary>
    public long size(long dimension)
    {
        long[] sizes = shape;
        long index = dimension < 0 ? dimension + sizes.Length : dimension;
        if (index < 0 || index >= sizes.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), $"dimension {dimension} is out of range for a {sizes.Length}-d tensor");
        }
        return sizes[index];
    }

    /// <summary>Number of elements.</summary>
    public long numel()
    {
        Native.Check(NativeMethods.FtTensor_Numel(Handle, out long count));
        return count;
    }

    /// <summary>Element type.</summary>
    public ScalarType dtype
    {
        get
        {
            Native.Check(NativeMethods.FtTensor_DType(Handle, out int type));
            return (ScalarType)type;
        }
    }

    /// <summary>The device holding the data.</summary>
    public Device device
    {
        get
        {
            Native.Check(NativeMethods.FtTensor_Device(Handle, out int type, out int index));
            return new Device((DeviceType)type, index);
        }
    }

    /// <summary>Releases the native tensor now. Safe to call more than once.</summary>
    public void Dispose()
    {
        if (!Handle.IsClosed)
        {
            Handle.MarkExplicitRelease();
            Handle.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString()
    {
        return IsDisposed ? "tensor(disposed)" : $"tensor(shape=[{string.Join(", ", shape)}], dtype={dtype}, device={device})";
    }

    [ThreadStatic]
    private static long t_tensorsCreated;

    /// <summary>
    /// Tensor handles created on this thread so far: every op result, view and creation counts once. On a GPU
    /// most are a kernel launch each, and a step of many tiny ones leaves the device idle between launches, so tests
    /// hold whole-model updates to a count that does not grow with the number of LoRA matrices.
    /// </summary>
    public static long TensorsCreatedOnThisThread => t_tensorsCreated;

    /// <summary>Wraps the handle an export wrote, after checking its status.</summary>
    internal static Tensor From(int status, TensorHandle handle)
    {
        Native.Check(status);
        return new Tensor(handle);
    }

    /// <summary>Like <see cref="From"/>, but a null native result (no gradient) becomes null.</summary>
    internal static Tensor? FromNullable(int status, TensorHandle handle)
    {
        Native.Check(status);
        return handle.IsInvalid ? null : new Tensor(handle);
    }

    internal static TensorHandle HandleOf(Tensor? tensor) => tensor?.Handle ?? TensorHandle.Null;
}
