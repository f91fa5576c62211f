using FineTune.Torch;
using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Training.Model;

// Transformer.Checkpointing.cs — gradient checkpointing without native support (libtorch's C++ API has no
// torch.utils.checkpoint): the blocks run forward under no_grad keeping only each block's input, the head runs with
// autograd, then the blocks are walked in reverse, each recomputed from its saved input and back-propagated with the
// gradient that arrived at its output. Memory: L block inputs (B, T, C) plus one block's graph, instead of every
// block's graph. Compute: one more forward of the blocks. Shapes as in Transformer.cs.

/// <summary>Forward and backward with gradient checkpointing (training only).</summary>
public sealed partial class Transformer
{
    /// <summary>
    /// Runs the model on <paramref name="inputIds"/> (B, T), takes <paramref name="lossOf"/> of the final-norm hidden
    /// states (B, T, C), and back-propagates <paramref name="objectiveOf"/>(loss) into every trainable leaf (the LoRA
    /// matrices), with the same gradients as <c>objectiveOf(lossOf(ForwardHidden(…))).backward()</c>. Returns the
    /// loss detached, owned by the caller's scope.
    /// </summary>
    /// <param name="inputIds">Token ids (B, T).</param>
    /// <param name="packing">As for <see cref="ForwardHidden"/> (null: causal over whole rows).</param>
    /// <param name="lossOf">The scalar loss of the hidden states.</param>
    /// <param name="objectiveOf">What is back-propagated, from the loss (e.g. the loss ÷ the step's target tokens).</param>
    /// <param name="randomness">
    /// The generator of every random draw inside the blocks (LoRA dropout), or null when they draw none. Each block's
    /// recompute restarts it where that block's forward started, so the masks are the ones the forward drew, and it
    /// is left where the forward left it: the stream a later draw sees is the plain path's.
    /// </param>
    public Tensor ForwardBackwardCheckpointed(Tensor inputIds, PackedAttention? packing, Func<Tensor, Tensor> lossOf, Func<Tensor, Tensor> objectiveOf, Generator? randomness)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(lossOf);
        ArgumentNullException.ThrowIfNull(objectiveOf);
        using var scope = TensorScope.Begin();
        long t = inputIds.size(1);
        var blockInputs = new Tensor[_blocks.Length];                                          // each (B, T, C)
        var randomStates = new Tensor?[_blocks.Length];
        Tensor x, cos, sin;
        using (torch.no_grad())
        {
            x = F.embedding(inputIds, _embedding);                                              // (B, T, C)
            (cos, sin) = _rotary.Get(0, t, x.dtype, x.device);                                  // (T, hs)
            for (int i = 0; i < _blocks.Length; i++)
            {
                blockInputs[i] = x;
                randomStates[i] = randomness?.get_state();
                x = _blocks[i].Forward(x, cos, sin, null, i, null, packing);
            }
        }
        Tensor? randomAfterForward = randomness?.get_state();

        // The head with autograd, from the last block's output made a leaf; its gradient is where the walk starts.
        Tensor last = x.requires_grad_();
        Tensor loss = lossOf(_finalNorm.Forward(last));
        objectiveOf(loss).backward();
        Tensor? outputGradient = last.grad();                                                   // (B, T, C)

        for (int i = _blocks.Length - 1; i >= 0; i--)
        {
            using var blockScope = TensorScope.Begin();
            if (randomness is not null)
            {
                randomness.set_state(randomStates[i]!);
            }
            // The embedding is frozen, so block 0's input needs no gradient.
            Tensor input = i > 0 ? blockInputs[i].requires_grad_() : blockInputs[i];
            Tensor output = _blocks[i].Forward(input, cos, sin, null, i, null, packing);
            if (output.requires_grad && outputGradient is not null)
            {
                output.backward(outputGradient);
            }
            outputGradient?.Dispose();
            outputGradient = i > 0 && input.grad() is { } inputGradient ? blockScope.MoveToOuter(inputGradient) : null;
            // Freed as the walk goes, not at the end: the saved inputs are this method's memory.
            blockInputs[i].Dispose();
            randomStates[i]?.Dispose();
        }
        if (randomness is not null)
        {
            randomness.set_state(randomAfterForward!);
        }
        return scope.MoveToOuter(loss.detach());
    }
}
