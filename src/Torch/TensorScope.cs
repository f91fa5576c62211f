namespace FineTune.Torch;

/// <summary>
/// Disposes every tensor created on this thread while it is the innermost open scope (STYLE.md rule 3):
/// <c>using var scope = TensorScope.Begin();</c> around each hot-loop step; survivors leave with
/// <see cref="MoveToOuter"/>. Scopes nest and belong to the thread that opened them.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic]
    private static TensorScope? t_current;

    private readonly TensorScope? _outer;
    private readonly List<Tensor> _owned = new();
    private bool _disposed;

    private TensorScope(TensorScope? outer)
    {
        _outer = outer;
    }

    /// <summary>Opens a scope that becomes the innermost one on this thread.</summary>
    public static TensorScope Begin()
    {
        var scope = new TensorScope(t_current);
        t_current = scope;
        return scope;
    }

    /// <summary>Number of tensors this scope will dispose.</summary>
    public int Count => _owned.Count;

    internal static void Register(Tensor tensor)
    {
        t_current?._owned.Add(tensor);
    }

    /// <summary>Hands the tensor to the enclosing scope (or to nobody, if this is the outermost) and returns it.</summary>
    public Tensor MoveToOuter(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_owned.Remove(tensor))
        {
            throw new InvalidOperationException("the tensor is not owned by this scope");
        }
        _outer?._owned.Add(tensor);
        return tensor;
    }

    /// <summary>
    /// Removes a tensor created on this thread from the innermost open scope, so it outlives that scope; the caller
    /// (e.g. a KV cache or a model) now owns and disposes it. A tensor created outside any scope is returned as is.
    /// </summary>
    public static Tensor TakeOwnership(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        t_current?._owned.Remove(tensor);
        return tensor;
    }

    /// <summary>Detaches the tensor from every scope: the caller now disposes it.</summary>
    public Tensor Detach(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        _owned.Remove(tensor);
        return tensor;
    }

    /// <summary>Disposes the tensors still owned by this scope and reopens the enclosing one.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (!ReferenceEquals(t_current, this))
        {
            throw new InvalidOperationException("tensor scopes must be disposed in reverse order of creation, on their own thread");
        }
        t_current = _outer;
        foreach (Tensor tensor in _owned)
        {
            tensor.Dispose();
        }
        _owned.Clear();
    }
}
