using FineTune.Torch;
using FineTune.Training.Privacy.Sgd.PerSampleGrads;

namespace FineTune.Training.Train;

/// <summary>
/// One row of a step: samples laid end to end, each sample a list of examples (under DP a record, or an entity's
/// records; without DP the whole row is one sample, since nothing is clipped per sample there). Attention stays
/// within each example, so samples never see each other.
/// </summary>
internal sealed record TrainingRow(IReadOnlyList<IReadOnlyList<TokenizedExample>> Samples)
{
    /// <summary>The row's examples in order, as <see cref="PackedBatch.Build"/> lays them out.</summary>
    public IReadOnlyList<TokenizedExample> Examples { get; } = Samples.SelectMany(s => s).ToList();

    /// <summary>A row that is one sample.</summary>
    public static TrainingRow Single(IReadOnlyList<TokenizedExample> sample) => new([sample]);

    /// <summary>
    /// Lays DP samples into rows of at most <paramref name="maxLength"/> tokens, each into the first row with room
    /// (first fit, in the sampled order). Only the layout changes: the same samples are trained on whichever rows
    /// they share, so Poisson sampling and its accounting are untouched.
    /// </summary>
    public static List<TrainingRow> Pack(IReadOnlyList<IReadOnlyList<TokenizedExample>> samples, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var rows = new List<List<IReadOnlyList<TokenizedExample>>>();
        var used = new List<int>();
        foreach (IReadOnlyList<TokenizedExample> sample in samples)
        {
            int length = sample.Sum(e => e.InputIds.Length);
            int row = used.FindIndex(u => u + length <= maxLength);
            if (row < 0)
            {
                rows.Add(new List<IReadOnlyList<TokenizedExample>>());
                used.Add(0);
                row = rows.Count - 1;
            }
            rows[row].Add(sample);
            used[row] += length;
        }
        return rows.Select(r => new TrainingRow(r)).ToList();
    }

    /// <summary>
    /// Where each sample of <paramref name="rows"/> lies in their batch (rows padded to <paramref name="rowLength"/>),
    /// or null when every row is one sample, so the per-row path runs without a gather.
    /// </summary>
    public static TokenSegments? Segments(IReadOnlyList<TrainingRow> rows, long rowLength, Device device)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.All(r => r.Samples.Count == 1))
        {
            return null;
        }
        var spans = new List<(int Row, int Start, int Length)>();
        for (int r = 0; r < rows.Count; r++)
        {
            int start = 0;
            foreach (IReadOnlyList<TokenizedExample> sample in rows[r].Samples)
            {
                int length = sample.Sum(e => e.InputIds.Length);
                spans.Add((r, start, length));
                start += length;
            }
        }
        return TokenSegments.Create(spans, rowLength, device);
    }
}
