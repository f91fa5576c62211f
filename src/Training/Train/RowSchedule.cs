namespace FineTune.Training.Train;

/// <summary>
/// The order in which training rows are consumed: each epoch shuffles the examples with a seed derived from the run
/// seed and the epoch (so a resumed run replays the same order), then packs them greedily into rows of at most
/// MaxSeqLength tokens (or one example per row without packing). The position (epoch, row) is the data cursor a
/// checkpoint stores.
/// </summary>
internal sealed class RowSchedule(IReadOnlyList<TokenizedExample> examples, long seed, int maxLength, bool packing)
{
    private int _cachedEpoch = -1;
    private List<List<TokenizedExample>> _rows = new();

    /// <summary>Current epoch (0-based).</summary>
    public int Epoch { get; private set; }

    /// <summary>Next row to hand out within the epoch.</summary>
    public int Row { get; private set; }

    /// <summary>Rows in the first epoch (used to turn epochs into steps).</summary>
    public int RowsPerEpoch => RowsOf(0).Count;

    /// <summary>Moves the cursor (when resuming).</summary>
    public void Seek(int epoch, int row)
    {
        Epoch = epoch;
        Row = row;
    }

    /// <summary>The next <paramref name="count"/> rows, crossing into the next epoch when one runs out.</summary>
    public List<IReadOnlyList<TokenizedExample>> Take(int count)
    {
        var taken = new List<IReadOnlyList<TokenizedExample>>(count);
        while (taken.Count < count)
        {
            List<List<TokenizedExample>> rows = RowsOf(Epoch);
            if (Row >= rows.Count)
            {
                Epoch++;
                Row = 0;
                continue;
            }
            taken.Add(rows[Row++]);
        }
        return taken;
    }

    private List<List<TokenizedExample>> RowsOf(int epoch)
    {
        if (epoch == _cachedEpoch)
        {
            return _rows;
        }
        var order = Enumerable.Range(0, examples.Count).ToArray();
        // Fisher-Yates with System.Random seeded per epoch: deterministic across processes and resumes (HashCode is
        // randomized per process, so the seed is mixed arithmetically instead).
        var random = new Random(unchecked((int)((seed * 1_000_003L) ^ (epoch * 7_919L))));
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        var rows = new List<List<TokenizedExample>>();
        int used = maxLength;
        foreach (int index in order)
        {
            TokenizedExample example = examples[index];
            if (!packing || used + example.InputIds.Length > maxLength)
            {
                rows.Add(new List<TokenizedExample>());
                used = 0;
            }
            rows[^1].Add(example);
            used += example.InputIds.Length;
        }
        _cachedEpoch = epoch;
        _rows = rows;
        return rows;
    }
}
