using FineTune.Torch;
using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Training.Model;

/// <summary>
/// Attention for a batch whose rows pack several examples end to end: each example attends causally to itself only.
/// Three exact ways (<see cref="PackedAttentionKind"/>; the first two chosen per batch by <see cref="Create"/>):
/// <list type="bullet">
/// <item>segments — the examples' queries, keys and values are gathered into batches of their own, one example per
///   sequence, and run through plain causal attention, then scattered back. Examples are sorted by length and
///   grouped so that each is padded to less than twice its length (one attention call per group), so the work and
///   memory follow the examples (about Σ n²) rather than the rows (B·T²); and without a mask libtorch 2.x may pick its
///   fused flash kernel, which a dense mask rules out. This is what variable-length flash attention does with
///   cumulative sequence lengths, built from ops that exist on every backend.</item>
/// <item>dense — one block-diagonal causal mask (B, 1, T, T): for benchmarks, and when the groups would cost more
///   attention products than the rows.</item>
/// <item>varlen — the rows' positions as one sequence of B·T tokens cut into the examples (and each row's padding as a
///   sequence of its own), run through <c>F.varlen_causal_attention</c>: libtorch's variable-length flash kernel on
///   CUDA in 16 bits, with no gather, no padding and no mask; elsewhere the examples one by one.</item>
/// </list>
/// Exactness of segments: an example's padding slots follow its tokens, so causal attention never lets a real query
/// see them; their own outputs are dropped. Positions after a row's last example (row padding) belong to no example:
/// their outputs are copies of the first slot's, and since no loss is taken there and no real query attends them,
/// nothing flows back through them. Owns its index tensors.
/// </summary>
public sealed class PackedAttention : IDisposable
{
    private readonly Tensor? _gather;   // (slots) int64: position row·T + column of each slot (padding: its example's first)
    private readonly Tensor? _scatter;  // (B·T) int64: the slot whose output each position takes
    private readonly (long Count, long Length)[] _groups; // slots laid group after group, Count examples × Length each
    private readonly VarlenSequences? _sequences; // varlen: the examples and row paddings along the B·T positions

    private PackedAttention(Tensor? mask, Tensor? gather, Tensor? scatter, (long Count, long Length)[] groups, VarlenSequences? sequences = null)
    {
        Mask = mask;
        _gather = gather;
        _scatter = scatter;
        _groups = groups;
        _sequences = sequences;
    }

    /// <summary>(B, 1, T, T) bool, true where a query may attend a key; null when the examples are regrouped instead.</summary>
    public Tensor? Mask { get; }

    /// <summary>Whether the examples are regrouped into batches of their own (<see cref="PackedAttentionKind.ByCost"/>, cheaper than the mask).</summary>
    public bool IsSegmented => Mask is null && _sequences is null;

    /// <summary>The sequences variable-length attention cuts the B·T positions into; null unless <see cref="PackedAttentionKind.Varlen"/>.</summary>
    public VarlenSequences? Sequences => _sequences;

    /// <summary>The regrouped batches as (examples, padded length), longest first; empty with a dense mask.</summary>
    public IReadOnlyList<(long Count, long Length)> Groups => _groups;

    /// <summary>
    /// Plans attention for rows of <paramref name="rowLength"/> tokens holding examples of the given lengths, end to
    /// end from column 0. <see cref="PackedAttentionKind.ByCost"/> regroups unless the groups need more attention
    /// products than the dense mask (Σ count·length² against B·T²); the other kinds force their way.
    /// </summary>
    public static PackedAttention Create(IReadOnlyList<IReadOnlyList<int>> exampleLengths, long rowLength, Device device, PackedAttentionKind kind = PackedAttentionKind.ByCost)
    {
        ArgumentNullException.ThrowIfNull(exampleLengths);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowLength, 1);
        var examples = new List<(long Position, int Length)>();
        for (int r = 0; r < exampleLengths.Count; r++)
        {
            long used = 0;
            foreach (int length in exampleLengths[r])
            {
                ArgumentOutOfRangeException.ThrowIfNegative(length, nameof(exampleLengths));
                if (length > 0)
                {
                    examples.Add(((r * rowLength) + used, length));
                    used += length;
                }
            }
            if (used > rowLength)
            {
                throw new ArgumentException($"a row holds {used} tokens, more than its length {rowLength}", nameof(exampleLengths));
            }
        }
        if (kind == PackedAttentionKind.Varlen)
        {
            return Varlen(exampleLengths, rowLength, device);
        }
        // Longest first; a group ends where an example is under half its first, so padding stays under 2× a length.
        List<(long Position, int Length)> sorted = examples.OrderByDescending(e => e.Length).ToList();
        var groups = new List<(long Count, long Length)>();
        foreach ((long _, int length) in sorted)
        {
            if (groups.Count > 0 && 2 * length > groups[^1].Length)
            {
                groups[^1] = (groups[^1].Count + 1, groups[^1].Length);
            }
            else
            {
                groups.Add((1, length));
            }
        }
        double segmentWork = groups.Sum(g => (double)g.Count * g.Length * g.Length);
        double denseWork = (double)exampleLengths.Count * rowLength * rowLength;
        return kind == PackedAttentionKind.ByCost && groups.Count > 0 && segmentWork <= denseWork
            ? Segmented(sorted, groups, exampleLengths.Count * rowLength, device)
            : Dense(exampleLengths, rowLength, device);
    }

    private static PackedAttention Segmented(List<(long Position, int Length)> sorted, List<(long Count, long Length)> groups, long positions, Device device)
    {
        long[] gather = new long[groups.Sum(g => g.Count * g.Length)];
        long[] scatter = new long[positions]; // row padding keeps slot 0
        long slot = 0;
        int next = 0;
        foreach ((long count, long length) in groups)
        {
            for (long e = 0; e < count; e++, slot += length)
            {
                (long position, int tokens) = sorted[next++];
                for (long i = 0; i < length; i++)
                {
                    gather[slot + i] = position + (i < tokens ? i : 0);
                }
                for (long i = 0; i < tokens; i++)
                {
                    scatter[position + i] = slot + i;
                }
            }
        }
        using var scope = TensorScope.Begin();
        return new PackedAttention(
            null,
            TensorScope.TakeOwnership(torch.tensor(gather, [gather.Length]).to(device)),
            TensorScope.TakeOwnership(torch.tensor(scatter, [scatter.Length]).to(device)),
            groups.ToArray());
    }

    // Every position belongs to one sequence: each example, then the row's padding (which attends only itself, so no
    // real query sees it and, with no loss taken there, nothing flows back through it).
    private static PackedAttention Varlen(IReadOnlyList<IReadOnlyList<int>> exampleLengths, long rowLength, Device device)
    {
        var lengths = new List<long>();
        foreach (IReadOnlyList<int> row in exampleLengths)
        {
            lengths.AddRange(row.Where(length => length > 0).Select(length => (long)length));
            long padding = rowLength - row.Sum(length => (long)length);
            if (padding > 0)
            {
                lengths.Add(padding);
            }
        }
        return new PackedAttention(null, null, null, [], VarlenSequences.Create(lengths, device));
    }

    // The mask comes from per-position example ids, so only B·T ids cross to the device: a query attends the keys
    // that carry its id, at or before its position. Row padding has ids of its own per position, so it attends itself alone and softmax
    // never sees an all-masked row (which gives NaN).
    private static PackedAttention Dense(IReadOnlyList<IReadOnlyList<int>> exampleLengths, long rowLength, Device device)
    {
        long[] ids = new long[exampleLengths.Count * rowLength];
        long next = 0;
        for (int r = 0; r < exampleLengths.Count; r++)
        {
            long position = r * rowLength, end = position + rowLength;
            foreach (int length in exampleLengths[r])
            {
                Array.Fill(ids, next++, (int)position, length);
                position += length;
            }
            for (; position < end; position++)
            {
                ids[position] = -1 - position;
            }
        }
        using var scope = TensorScope.Begin();
        Tensor id = torch.tensor(ids, [exampleLengths.Count, 1, rowLength]).to(device);            // (B, 1, T)
        Tensor sameExample = id.unsqueeze(-1).eq(id.unsqueeze(-2));                                  // (B, 1, T, T)
        Tensor causal = torch.ones([rowLength, rowLength], ScalarType.Bool, device).tril();          // (T, T)
        return new PackedAttention(TensorScope.TakeOwnership(sameExample.logical_and(causal)), null, null, []);
    }

    /// <summary>
    /// Causal attention of query (B, h, T, hs) over key and value (B, hₖᵥ, T, hs) within each example: the groups'
    /// attention reads each grouped-query key/value head once for its h / hₖᵥ query heads (enable_gqa); the dense-mask
    /// fallback repeats them to h heads. Returns (B, T, h·hs).
    /// </summary>
    internal Tensor Attend(Tensor query, Tensor key, Tensor value)
    {
        using var scope = TensorScope.Begin();
        long b = query.size(0), heads = query.size(1), t = query.size(2), headSize = query.size(3);
        long repeats = heads / key.size(1);
        if (_sequences is not null)
        {
            // (B, h, T, hs) → (B·T, h, hs): the positions in row order are the sequences end to end.
            Tensor y = F.varlen_causal_attention(Tokens(query), Tokens(key), Tokens(value), _sequences);       // (B·T, h, hs)
            return scope.MoveToOuter(y.view(b, t, heads * headSize));
        }
        if (Mask is not null)
        {
            Tensor y = F.scaled_dot_product_attention(query, Repeat(key, repeats), Repeat(value, repeats), Mask); // (B, h, T, hs)
            return scope.MoveToOuter(y.transpose(1, 2).reshape(b, t, heads * headSize));
        }
        Tensor queries = Gather(query), keys = Gather(key), values = Gather(value);                              // (slots, h·hs)
        var outputs = new List<Tensor>(_groups.Length);
        long slot = 0;
        foreach ((long count, long length) in _groups)
        {
            Tensor y = F.scaled_dot_product_attention(
                Group(queries, slot, count, length, headSize),
                Group(keys, slot, count, length, headSize),
                Group(values, slot, count, length, headSize),
                isCausal: true,
                enableGqa: repeats > 1);                                                                          // (n, h, Lₙ, hs)
            outputs.Add(y.transpose(1, 2).reshape(count * length, heads * headSize));                          // (n·Lₙ, h·hs)
            slot += count * length;
        }
        Tensor all = outputs.Count == 1 ? outputs[0] : torch.cat(outputs);                                      // (slots, h·hs)
        return scope.MoveToOuter(all.index_select(0, _scatter!).view(b, t, heads * headSize));                  // (B, T, h·hs)
    }

    // (B, h, T, hs) → (slots, h·hs): every example's positions, group after group.
    private Tensor Gather(Tensor x) => x.transpose(1, 2).reshape(x.size(0) * x.size(2), x.size(1) * x.size(3)).index_select(0, _gather!);

    // One group's slots of (slots, h·hs) as (n, h, Lₙ, hs), one example per sequence.
    private static Tensor Group(Tensor slots, long first, long count, long length, long headSize) =>
        slots.narrow(0, first, count * length).view(count, length, -1, headSize).transpose(1, 2);

    private static Tensor Tokens(Tensor x) => x.transpose(1, 2).reshape(x.size(0) * x.size(2), x.size(1), x.size(3));

    private static Tensor Repeat(Tensor x, long repeats) => repeats == 1 ? x : x.repeat_interleave(repeats, 1);

    /// <inheritdoc />
    public void Dispose()
    {
        Mask?.Dispose();
        _gather?.Dispose();
        _scatter?.Dispose();
        _sequences?.Dispose();
    }
}

/// <summary>How a batch's packed examples attend within themselves (<see cref="PackedAttention"/>).</summary>
public enum PackedAttentionKind
{
    /// <summary>Regrouped into batches of their own, or one dense mask where that costs fewer attention products.</summary>
    ByCost,

    /// <summary>One dense block-diagonal mask over whole rows (benchmarks).</summary>
    DenseMask,

    /// <summary>Variable-length attention over the rows' positions end to end (the flash kernel on CUDA in 16 bits).</summary>
    Varlen,
}
