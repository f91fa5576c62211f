using FineTune.Torch.Interop;

namespace FineTune.Torch;

/// <summary>Views and shape ops. Shape comments in callers should name the result, e.g. <c>// (B, nh, T, hs)</c>.</summary>
public sealed partial class Tensor
{
    /// <summary>Same data with a new shape (a view when possible, else a copy); one size may be -1.</summary>
    public Tensor reshape(params long[] newShape) => From(NativeMethods.FtTensor_Reshape(Handle, newShape, newShape.Length, out var r), r);

    /// <summary>A view with a new shape; fails when the memory layout does not allow it.</summary>
    public Tensor view(params long[] newShape) => From(NativeMethods.FtTensor_View(Handle, newShape, newShape.Length, out var r), r);

    /// <summary>Broadcasts size-1 dimensions to the given sizes without copying (-1 keeps a size).</summary>
    public Tensor expand(params long[] newShape) => From(NativeMethods.FtTensor_Expand(Handle, newShape, newShape.Length, out var r), r);

    /// <summary>Reorders dimensions.</summary>
    public Tensor permute(params long[] dims) => From(NativeMethods.FtTensor_Permute(Handle, dims, dims.Length, out var r), r);

    /// <summary>Swaps two dimensions.</summary>
    public Tensor transpose(long dim0, long dim1) => From(NativeMethods.FtTensor_Transpose(Handle, dim0, dim1, out var r), r);

    /// <summary>Transpose of a 2-D tensor.</summary>
    public Tensor t() => transpose(0, 1);

    /// <summary>A view of <paramref name="length"/> entries from <paramref name="start"/> along a dimension.</summary>
    public Tensor narrow(long dim, long start, long length) => From(NativeMethods.FtTensor_Narrow(Handle, dim, start, length, out var r), r);

    /// <summary>A view of [start, end) with a step along a dimension, like Python's <c>t[:, start:end:step]</c>.</summary>
    public Tensor slice(long dim, long start, long end, long step = 1) => From(NativeMethods.FtTensor_Slice(Handle, dim, start, end, step, out var r), r);

    /// <summary>The slice at one index, removing that dimension.</summary>
    public Tensor select(long dim, long index) => From(NativeMethods.FtTensor_Select(Handle, dim, index, out var r), r);

    /// <summary>Entries at the given int64 indices along a dimension.</summary>
    public Tensor index_select(long dim, Tensor index) => From(NativeMethods.FtTensor_IndexSelect(Handle, dim, index.Handle, out var r), r);

    /// <summary>Gathers values along a dimension at int64 indices of the same rank.</summary>
    public Tensor gather(long dim, Tensor index) => From(NativeMethods.FtTensor_Gather(Handle, dim, index.Handle, out var r), r);

    /// <summary>Inserts a size-1 dimension.</summary>
    public Tensor unsqueeze(long dim) => From(NativeMethods.FtTensor_Unsqueeze(Handle, dim, out var r), r);

    /// <summary>Removes a size-1 dimension (no-op for other sizes, as in PyTorch).</summary>
    public Tensor squeeze(long dim) => From(NativeMethods.FtTensor_Squeeze(Handle, dim, out var r), r);

    /// <summary>Repeats each entry along a dimension (used to share KV heads across query heads in GQA).</summary>
    public Tensor repeat_interleave(long repeats, long dim) => From(NativeMethods.FtTensor_RepeatInterleave(Handle, repeats, dim, out var r), r);

    /// <summary>Lower triangle (entries above the diagonal set to zero).</summary>
    public Tensor tril(long diagonal = 0) => From(NativeMethods.FtTensor_Tril(Handle, diagonal, out var r), r);

    /// <summary>Upper triangle (entries below the diagonal set to zero).</summary>
    public Tensor triu(long diagonal = 0) => From(NativeMethods.FtTensor_Triu(Handle, diagonal, out var r), r);

    /// <summary>A contiguous tensor with the same values (an alias when already contiguous).</summary>
    public Tensor contiguous() => From(NativeMethods.FtTensor_Contiguous(Handle, out var r), r);

    /// <summary>Flattens dimensions <paramref name="startDim"/>..<paramref name="endDim"/> into one.</summary>
    public Tensor flatten(long startDim = 0, long endDim = -1)
    {
        long[] sizes = shape;
        long start = startDim < 0 ? startDim + sizes.Length : startDim;
        long end = endDim < 0 ? endDim + sizes.Length : endDim;
        var merged = new List<long>();
        merged.AddRange(sizes.Take((int)start));
        merged.Add(-1);
        merged.AddRange(sizes.Skip((int)end + 1));
        return reshape(merged.ToArray());
    }

    /// <summary>Splits into pieces of the given sizes along a dimension.</summary>
    public Tensor[] split(long[] sizes, long dim = 0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        var results = new IntPtr[sizes.Length];
        Native.Check(NativeMethods.FtTensor_SplitWithSizes(Handle, sizes, sizes.Length, dim, results));
        return Array.ConvertAll(results, p => new Tensor(new Handles.TensorHandle(p)));
    }

    /// <summary>Splits into pieces of <paramref name="splitSize"/> (the last may be smaller) along a dimension.</summary>
    public Tensor[] split(long splitSize, long dim = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(splitSize, 1);
        long total = size(dim);
        long count = Math.Max(1, (total + splitSize - 1) / splitSize);
        long[] sizes = new long[count];
        for (long i = 0; i < count; i++)
        {
            sizes[i] = Math.Min(splitSize, total - (i * splitSize));
        }
        return split(sizes, dim);
    }

    /// <summary>Splits into <paramref name="chunks"/> nearly equal pieces along a dimension, as torch.chunk does.</summary>
    public Tensor[] chunk(long chunks, long dim = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunks, 1);
        long total = size(dim);
        return split(Math.Max(1, (total + chunks - 1) / chunks), dim);
    }
}
