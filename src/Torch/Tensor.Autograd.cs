using FineTune.Torch.Interop;

namespace FineTune.Torch;

/// <summary>Autograd: requires_grad, backward, gradients, retain_grad and detach.</summary>
public sealed partial class Tensor
{
    /// <summary>Whether autograd records operations on this tensor.</summary>
    public bool requires_grad
    {
        get
        {
            Native.Check(NativeMethods.FtTensor_RequiresGrad(Handle, out byte value));
            return value != 0;
        }
    }

    /// <summary>Whether this tensor is a leaf of the autograd graph (created by the user, not by an op).</summary>
    public bool is_leaf
    {
        get
        {
            Native.Check(NativeMethods.FtTensor_IsLeaf(Handle, out byte value));
            return value != 0;
        }
    }

    /// <summary>Turns gradient recording on or off for this leaf; returns a new alias.</summary>
    public Tensor requires_grad_(bool requiresGrad = true)
    {
        Native.Check(NativeMethods.FtTensor_SetRequiresGrad(Handle, requiresGrad ? (byte)1 : (byte)0));
        return alias();
    }

    /// <summary>The accumulated gradient as a new handle the caller owns, or null when there is none.</summary>
    public Tensor? grad() => FromNullable(NativeMethods.FtTensor_Grad(Handle, out var r), r);

    /// <summary>Replaces the accumulated gradient (null clears it, like <c>p.grad = None</c>).</summary>
    public void set_grad(Tensor? gradient)
    {
        Native.Check(NativeMethods.FtTensor_SetGrad(Handle, HandleOf(gradient)));
    }

    /// <summary>Keeps the gradient of this non-leaf tensor after backward.</summary>
    public void retain_grad()
    {
        Native.Check(NativeMethods.FtTensor_RetainGrad(Handle));
    }

    /// <summary>Back-propagates from this tensor into the leaves; gradient may be omitted for a scalar.</summary>
    public void backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false)
    {
        Native.Check(NativeMethods.FtTensor_Backward(Handle, HandleOf(gradient), retainGraph ? (byte)1 : (byte)0, createGraph ? (byte)1 : (byte)0));
    }

    /// <summary>The same data cut from the autograd graph.</summary>
    public Tensor detach() => From(NativeMethods.FtTensor_Detach(Handle, out var r), r);

    /// <summary>A new handle to this very tensor (same data and autograd identity).</summary>
    public Tensor alias() => From(NativeMethods.FtTensor_Alias(Handle, out var r), r);

    /// <summary>A copy with its own storage, differentiable like any op.</summary>
    public Tensor clone() => From(NativeMethods.FtTensor_Clone(Handle, out var r), r);
}
