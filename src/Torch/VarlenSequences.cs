namespace FineTune.Torch;

/// <summary>
/// Sequences laid end to end along a token dimension, for <c>F.varlen_causal_attention</c>: their lengths on the host
/// and, on the tensors' device, the int32 running sums the variable-length flash kernel reads (0, l₀, l₀ + l₁, …, N).
/// Made once per batch and shared by every layer, so the sums cross to the device once. Owns that tensor.
/// </summary>
public sealed class VarlenSequences : IDisposable
{
    private readonly long[] _lengths;

    private VarlenSequences(long[] lengths, Tensor cumulativeLengths)
    {
        _lengths = lengths;
        CumulativeLengths = cumulativeLengths;
        Total = lengths.Sum();
        MaxLength = lengths.Max();
    }

    /// <summary>The sequences' lengths, in order along the token dimension.</summary>
    public IReadOnlyList<long> Lengths => _lengths;

    /// <summary>Tokens in all (N).</summary>
    public long Total { get; }

    /// <summary>The longest sequence.</summary>
    public long MaxLength { get; }

    /// <summary>(S + 1) int32 on the device: 0 and the running sums of the lengths.</summary>
    internal Tensor CumulativeLengths { get; }

    /// <summary>Sequences of the given positive lengths, in order; the running sums are made on <paramref name="device"/>.</summary>
    public static VarlenSequences Create(IReadOnlyList<long> lengths, Device device)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        if (lengths.Count == 0)
        {
            throw new ArgumentException("at least one sequence is needed", nameof(lengths));
        }
        var sums = new int[lengths.Count + 1];
        long total = 0;
        for (int i = 0; i < lengths.Count; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lengths[i], nameof(lengths));
            total += lengths[i];
            // The kernel reads int32 offsets.
            sums[i + 1] = total <= int.MaxValue ? (int)total : throw new ArgumentOutOfRangeException(nameof(lengths), total, "the sequences hold more than 2³¹ − 1 tokens");
        }
        using var scope = TensorScope.Begin();
        Tensor cumulative = torch.tensor(sums, [sums.Length]).to(device);
        return new VarlenSequences(lengths.ToArray(), TensorScope.TakeOwnership(cumulative));
    }

    /// <inheritdoc />
    public void Dispose() => CumulativeLengths.Dispose();
}
