using FineTune.Torch;

namespace FineTune.Training.Privacy.Sgd.PerSampleGrads;

/// <summary>
/// Where each sample's tokens lie in a packed batch, for per-sample gradients when one row holds several samples
/// (records, or entities) laid end to end. Each sample is one contiguous span of one row. The spans are turned into
/// a gather index over the batch's flattened (B·T) token axis, so that the per-token tensors of a LoRA branch can be
/// regrouped as (U, L, …): U samples, each padded to the longest span L. Owns its two tensors.
/// </summary>
/// <remarks>
/// Why this is exact: with block-diagonal attention a sample's tokens never see another sample's, so the loss terms
/// of one sample depend on the branch outputs at that sample's tokens only, and ∂loss/∂delta at a token is that
/// token's own sample's term. Summing the token contractions over a span gives that sample's gradient alone.
/// </remarks>
public sealed class TokenSegments : IDisposable
{
    private readonly Tensor _sampleOfToken;

    private TokenSegments(Tensor index, Tensor valid, Tensor sampleOfToken, int count, long length)
    {
        Index = index;
        Valid = valid;
        _sampleOfToken = sampleOfToken;
        Count = count;
        Length = length;
    }

    /// <summary>U: the number of samples (the leading size of every per-sample gradient).</summary>
    public int Count { get; }

    /// <summary>L: the longest span; shorter spans are padded to it.</summary>
    public long Length { get; }

    /// <summary>(U·L) int64: the flattened position row·T + column of each span's tokens (0 where padding).</summary>
    public Tensor Index { get; }

    /// <summary>(U, L, 1) float32: 1 at a span's tokens, 0 at padding, so padding contributes nothing.</summary>
    public Tensor Valid { get; }

    /// <summary>Builds the index for <paramref name="spans"/> in a batch of rows of <paramref name="rowLength"/> tokens.</summary>
    /// <param name="spans">Per sample, in the order of the per-sample gradients: its row, first column and length.</param>
    /// <param name="rowLength">T, the padded length of the batch's rows.</param>
    /// <param name="device">Where the batch's tensors are.</param>
    public static TokenSegments Create(IReadOnlyList<(int Row, int Start, int Length)> spans, long rowLength, Device device)
    {
        ArgumentNullException.ThrowIfNull(spans);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowLength, 1);
        long length = Math.Max(1, spans.Count == 0 ? 1 : spans.Max(s => s.Length));
        long[] index = new long[spans.Count * length];
        float[] valid = new float[spans.Count * length];
        // Every row holds a sample, so the last row named is the batch's last: positions of no span point past the samples.
        long rows = spans.Count == 0 ? 0 : spans.Max(s => s.Row) + 1;
        long[] sampleOfToken = new long[rows * rowLength];
        Array.Fill(sampleOfToken, spans.Count);
        for (int u = 0; u < spans.Count; u++)
        {
            (int row, int start, int count) = spans[u];
            if (row < 0 || start < 0 || count < 1 || start + count > rowLength)
            {
                throw new ArgumentOutOfRangeException(nameof(spans), $"span {u} (row {row}, start {start}, length {count}) does not lie in a row of {rowLength} tokens");
            }
            for (int i = 0; i < count; i++)
            {
                index[(u * length) + i] = (row * rowLength) + start + i;
                valid[(u * length) + i] = 1;
                sampleOfToken[(row * rowLength) + start + i] = u;
            }
        }
        using var scope = TensorScope.Begin();
        return new TokenSegments(
            TensorScope.TakeOwnership(torch.tensor(index, [index.Length]).to(device)),
            TensorScope.TakeOwnership(torch.tensor(valid, [spans.Count, length, 1]).to(device)),
            TensorScope.TakeOwnership(torch.tensor(sampleOfToken, [sampleOfToken.Length]).to(device)),
            spans.Count,
            length);
    }

    /// <summary>
    /// Regroups a per-token tensor (B, …, F) of the batch as (U, L, F) float32 by sample; padding slots hold an
    /// arbitrary token's values, so multiply at least one factor of a contraction by <see cref="Valid"/>.
    /// </summary>
    public Tensor Gather(Tensor perToken)
    {
        ArgumentNullException.ThrowIfNull(perToken);
        long features = perToken.size(-1);
        return perToken.to(ScalarType.Float32).reshape(-1, features).index_select(0, Index).reshape(Count, Length, features);
    }

    /// <summary>
    /// Each token's weight (B·T) float32 from one weight per sample (U): the weight of the sample whose span holds the
    /// token, 0 for a token of no span (padding).
    /// </summary>
    public Tensor TokenWeights(Tensor sampleWeights)
    {
        ArgumentNullException.ThrowIfNull(sampleWeights);
        if (sampleWeights.numel() != Count)
        {
            throw new ArgumentException($"{sampleWeights.numel()} weights for {Count} samples", nameof(sampleWeights));
        }
        using var scope = TensorScope.Begin();
        Tensor withNone = torch.cat([sampleWeights.to(ScalarType.Float32).reshape(-1), torch.zeros([1], ScalarType.Float32, sampleWeights.device)]);
        return scope.MoveToOuter(withNone.index_select(0, _sampleOfToken));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Index.Dispose();
        Valid.Dispose();
        _sampleOfToken.Dispose();
    }
}
