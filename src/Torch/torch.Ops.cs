using FineTune.Torch.Handles;
using FineTune.Torch.Interop;

namespace FineTune.Torch;

/// <summary>Free functions over several tensors: joins, einsum, where, and the NN functional ops.</summary>
public static partial class torch
{
    /// <summary>Matrix product with broadcasting.</summary>
    public static Tensor matmul(Tensor a, Tensor b) => a.matmul(b);

    /// <summary>Batched matrix product.</summary>
    public static Tensor bmm(Tensor a, Tensor b) => a.bmm(b);

    /// <summary>Concatenates along an existing dimension.</summary>
    public static Tensor cat(IReadOnlyList<Tensor> tensors, long dim = 0) => Join(tensors, dim, stack: false);

    /// <summary>Stacks along a new dimension.</summary>
    public static Tensor stack(IReadOnlyList<Tensor> tensors, long dim = 0) => Join(tensors, dim, stack: true);

    private static Tensor Join(IReadOnlyList<Tensor> tensors, long dim, bool stack)
    {
        using var pinned = new PinnedHandles(tensors);
        return Wrap(NativeMethods.FtTensor_Cat(pinned.Pointers, tensors.Count, dim, stack ? (byte)1 : (byte)0, out var r), r);
    }

    /// <summary>Einstein summation, e.g. <c>einsum("bi,bj-&gt;bij", a, b)</c>.</summary>
    public static Tensor einsum(string equation, params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(equation);
        using var pinned = new PinnedHandles(tensors);
        return Wrap(NativeMethods.FtTensor_Einsum(equation, pinned.Pointers, tensors.Length, out var r), r);
    }

    /// <summary>Picks from a where the condition holds, else from b.</summary>
    public static Tensor where(Tensor condition, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return Wrap(NativeMethods.FtTensor_Where(condition.Handle, a.Handle, b.Handle, out var r), r);
    }

    /// <summary>
    /// Holds the native pointers of several handles for one call: AddRef keeps each alive (and un-freed) while the
    /// native side reads the pointer array, as the marshaller does for single SafeHandle arguments.
    /// </summary>
    internal sealed class PinnedHandles : IDisposable
    {
        private readonly SafeHandleRef[] _refs;

        public PinnedHandles(IReadOnlyList<Tensor?> tensors)
        {
            ArgumentNullException.ThrowIfNull(tensors);
            Pointers = new IntPtr[tensors.Count];
            _refs = new SafeHandleRef[tensors.Count];
            for (int i = 0; i < tensors.Count; i++)
            {
                if (tensors[i] is { } tensor)
                {
                    bool added = false;
                    tensor.Handle.DangerousAddRef(ref added);
                    _refs[i] = new SafeHandleRef(tensor.Handle, added);
                    Pointers[i] = tensor.Handle.DangerousGetHandle();
                }
            }
        }

        public IntPtr[] Pointers { get; }

        public void Dispose()
        {
            foreach (SafeHandleRef handleRef in _refs)
            {
                if (handleRef.Added)
                {
                    handleRef.Handle!.DangerousRelease();
                }
            }
        }

        private readonly record struct SafeHandleRef(TensorHandle? Handle, bool Added);
    }
}
