using FineTune.Torch.Interop;

namespace FineTune.Torch;

/// <summary>Functional autograd, at <c>torch.autograd</c>.</summary>
public static partial class torch
{
    /// <summary>The <c>torch.autograd</c> namespace.</summary>
    public static class autograd
    {
        /// <summary>
        /// Gradients of the outputs with respect to the inputs (leaves or intermediates), without touching <c>.grad</c>.
        /// Each result is a new tensor the caller owns, or null for an input the outputs do not depend on (when
        /// <paramref name="allowUnused"/>). gradOutputs may be null, or hold null for scalar outputs.
        /// </summary>
        public static Tensor?[] grad(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? gradOutputs = null, bool retainGraph = false, bool createGraph = false, bool allowUnused = false)
        {
            ArgumentNullException.ThrowIfNull(outputs);
            ArgumentNullException.ThrowIfNull(inputs);
            if (gradOutputs is not null && gradOutputs.Count != outputs.Count)
            {
                throw new ArgumentException($"got {gradOutputs.Count} grad outputs for {outputs.Count} outputs", nameof(gradOutputs));
            }
            using var pinnedOutputs = new PinnedHandles(outputs);
            using var pinnedInputs = new PinnedHandles(inputs);
            using var pinnedGradOutputs = new PinnedHandles(gradOutputs ?? new Tensor?[outputs.Count]);
            var results = new IntPtr[inputs.Count];
            Native.Check(NativeMethods.FtAutograd_Grad(pinnedOutputs.Pointers, pinnedGradOutputs.Pointers, outputs.Count, pinnedInputs.Pointers, inputs.Count, retainGraph ? (byte)1 : (byte)0, createGraph ? (byte)1 : (byte)0, allowUnused ? (byte)1 : (byte)0, results));
            return Array.ConvertAll(results, p => p == IntPtr.Zero ? null : new Tensor(new Handles.TensorHandle(p)));
        }
    }
}
