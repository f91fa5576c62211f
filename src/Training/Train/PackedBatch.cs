using FineTune.Torch;

namespace FineTune.Training.Train;

/// <summary>
/// Rows of token ids ready for the model: ids (B, T) right-padded, targets (B, T) already shifted (target[t] is the
/// token at t+1, or -100 where no loss is taken), and, when a row packs several examples, a block-diagonal causal mask
/// (B, 1, T, T) so they attend only within themselves. RoPE is relative, so a packed example computes exactly what it
/// would alone. When every row holds one example there is no mask: plain causal attention is then exact (padding only
/// follows a row's tokens), and it lets SDPA use its fused causal kernels instead of building and reading a T×T mask.
/// </summary>
public sealed class PackedBatch : IDisposable
{
    /// <summary>Label that cross entropy ignores.</summary>
    public const long IgnoreIndex = -100;

    private PackedBatch(Tensor inputIds, Tensor targets, Tensor? mask, long targetTokens, long tokens)
    {
        InputIds = inputIds;
        Targets = targets;
        AttentionMask = mask;
        TargetTokens = targetTokens;
        Tokens = tokens;
    }

    /// <summary>(B, T) int64.</summary>
    public Tensor InputIds { get; }

    /// <summary>(B, T) int64, IgnoreIndex where no loss is taken.</summary>
    public Tensor Targets { get; }

    /// <summary>(B, 1, T, T) bool, true where a query may attend a key; null when no row packs several examples.</summary>
    public Tensor? AttentionMask { get; }

    /// <summary>Number of positions that contribute to the loss.</summary>
    public long TargetTokens { get; }

    /// <summary>Number of real (non-padding) tokens.</summary>
    public long Tokens { get; }

    /// <summary>Builds a batch from rows, each a list of examples laid end to end (at most maxLength tokens).</summary>
    public static PackedBatch Build(IReadOnlyList<IReadOnlyList<TokenizedExample>> rows, int maxLength, Device device)
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
        bool[]? mask = packed ? new bool[b * length * length] : null;
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
                    if (mask is not null)
                    {
                        Array.Fill(mask, true, (int)(((row + offset + i) * length) + offset), i + 1);
                    }
                }
                offset += n;
                tokens += n;
            }
            // Padding rows attend to themselves only, so softmax never sees an all-masked row (which gives NaN).
            for (int i = offset; mask is not null && i < length; i++)
            {
                mask[(((long)r * length + i) * length) + i] = true;
            }
        }
        using var scope = TensorScope.Begin();
        return new PackedBatch(
            TensorScope.TakeOwnership(torch.tensor(ids, [b, length]).to(device)),
            TensorScope.TakeOwnership(torch.tensor(targets, [b, length]).to(device)),
            mask is null ? null : TensorScope.TakeOwnership(torch.tensor(mask, [b, 1, length, length]).to(device)),
            targetTokens,
            tokens);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        InputIds.Dispose();
        Targets.Dispose();
        AttentionMask?.Dispose();
    }
}
