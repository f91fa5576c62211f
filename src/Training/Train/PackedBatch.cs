using FineTune.Torch;
using FineTune.Training.Model;

namespace FineTune.Training.Train;

/// <summary>
/// Rows of token ids ready for the model: ids (B, T) right-padded, targets (B, T) already shifted (target[t] is the
/// token at t+1, or -100 where no loss is taken), and, when a row packs several examples, the plan by which each
/// example attends only within itself (<see cref="PackedAttention"/>). RoPE is relative, so a packed example computes
/// exactly what it would alone. When every row holds one example there is no plan: plain causal attention is then
/// exact (padding only follows a row's tokens), and SDPA uses its fused causal kernels on the rows as they are.
/// </summary>
public sealed class PackedBatch : IDisposable
{
    /// <summary>Label that cross entropy ignores.</summary>
    public const long IgnoreIndex = -100;

    private PackedBatch(Tensor inputIds, Tensor targets, PackedAttention? packing, long targetTokens, long tokens)
    {
        InputIds = inputIds;
        Targets = targets;
        Packing = packing;
        TargetTokens = targetTokens;
        Tokens = tokens;
    }

    /// <summary>(B, T) int64.</summary>
    public Tensor InputIds { get; }

    /// <summary>(B, T) int64, IgnoreIndex where no loss is taken.</summary>
    public Tensor Targets { get; }

    /// <summary>How packed examples attend within themselves; null when no row packs several examples.</summary>
    public PackedAttention? Packing { get; }

    /// <summary>Number of positions that contribute to the loss.</summary>
    public long TargetTokens { get; }

    /// <summary>Number of real (non-padding) tokens.</summary>
    public long Tokens { get; }

    /// <summary>
    /// Builds a batch from rows, each a list of examples laid end to end (at most maxLength tokens);
    /// <paramref name="attention"/> says how packed rows' examples attend within themselves (<see cref="PackedAttention.Create"/>).
    /// </summary>
    public static PackedBatch Build(IReadOnlyList<IReadOnlyList<TokenizedExample>> rows, int maxLength, Device device, PackedAttentionKind attention = PackedAttentionKind.ByCost)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int length = Math.Max(2, rows.Max(r => r.Sum(e => e.InputIds.Length)));
        if (length > maxLength)
        {
            throw new ArgumentException($"a row holds {length} tokens, more than the maximum {maxLength}");
        }
        int b = rows.Count;
        bool packed = rows.Any(r => r.Count > 1);
        long[] ids = new long[b * length];
        long[] targets = new long[b * length];
        Array.Fill(targets, IgnoreIndex);
        long targetTokens = 0, tokens = 0;
        for (int r = 0; r < b; r++)
        {
            int offset = 0;
            foreach (TokenizedExample example in rows[r])
            {
                int n = example.InputIds.Length;
                for (int i = 0; i < n; i++)
                {
                    long row = (long)r * length;
                    ids[row + offset + i] = example.InputIds[i];
                    // The logit at position i predicts token i+1; it is a target when that token is one.
                    if (i + 1 < n && example.LossMask[i + 1])
                    {
                        targets[row + offset + i] = example.InputIds[i + 1];
                        targetTokens++;
                    }
                }
                offset += n;
                tokens += n;
            }
        }
        using var scope = TensorScope.Begin();
        return new PackedBatch(
            TensorScope.TakeOwnership(torch.tensor(ids, [b, length]).to(device)),
            TensorScope.TakeOwnership(torch.tensor(targets, [b, length]).to(device)),
            packed ? PackedAttention.Create(rows.Select(r => (IReadOnlyList<int>)r.Select(e => e.InputIds.Length).ToList()).ToList(), length, device, attention) : null,
            targetTokens,
            tokens);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        InputIds.Dispose();
        Targets.Dispose();
        Packing?.Dispose();
    }
}
