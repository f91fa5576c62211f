using FineTune.Training.Train;

namespace FineTune.Training.Tests.Train;

public class RowScheduleTests
{
    private static List<TokenizedExample> Numbered(int count) =>
        Enumerable.Range(0, count).Select(i => new TokenizedExample([i, i], [false, true])).ToList();

    [Fact]
    public void Order_ForASeed_IsPinnedAcrossProcesses()
    {
        // Regression: the order was seeded with HashCode.Combine, which .NET randomizes per process, so a run resumed
        // in a new process replayed different data. This pinned order would have caught it.
        var schedule = new RowSchedule(Numbered(8), seed: 42, maxLength: 2, packing: false);

        int[] order = schedule.Take(8).Select(row => row[0].InputIds[0]).ToArray();

        Assert.Equal(PinnedOrder, order);
    }

    [Fact]
    public void Take_PastTheEpoch_ContinuesWithTheNextShuffle()
    {
        var schedule = new RowSchedule(Numbered(5), seed: 1, maxLength: 2, packing: false);

        var rows = schedule.Take(7);

        Assert.Equal(1, schedule.Epoch);
        Assert.Equal(2, schedule.Row);
        Assert.Equal(Enumerable.Range(0, 5), rows.Take(5).Select(r => r[0].InputIds[0]).Order());
    }

    [Fact]
    public void Packing_PutsEachExampleIntoTheRowWithTheLeastRoomThatHoldsIt_LongestFirst()
    {
        // 6 opens a row; 5 opens another (6 + 5 > 10); 4 fits both and takes the fuller (room 4); 3 and 2 fill the
        // other. Next fit in the shuffled order needs a third row for some orders of these lengths.
        List<TokenizedExample> examples = Lengths(6, 5, 4, 3, 2);
        var schedule = new RowSchedule(examples, seed: 7, maxLength: 10, packing: true);

        List<IReadOnlyList<TokenizedExample>> rows = schedule.Take(schedule.RowsPerEpoch);

        Assert.Equal(2, schedule.RowsPerEpoch);
        Assert.Equal([[4, 6], [2, 3, 5]], rows.Select(r => r.Select(e => e.InputIds.Length).Order().ToArray()).OrderBy(r => r.Length).ToArray());
    }

    [Fact]
    public void Packing_FillsRowsOfMixedLengths_AndTrainsEveryExampleOnceAnEpoch()
    {
        // Lengths spread like instruction data's (20 … 1,000 tokens) in rows of 1,024: filling rows in the shuffled
        // order (next fit) left about a quarter of every row as padding.
        var random = new Random(3);
        List<TokenizedExample> examples = Lengths(Enumerable.Range(0, 600).Select(_ => random.Next(20, 1001)).ToArray());
        var schedule = new RowSchedule(examples, seed: 11, maxLength: 1024, packing: true);

        List<IReadOnlyList<TokenizedExample>> rows = schedule.Take(schedule.RowsPerEpoch);

        long tokens = examples.Sum(e => (long)e.InputIds.Length);
        double fill = tokens / (double)(rows.Count * 1024L);
        Assert.True(fill > 0.95, $"rows are {fill:P1} full");
        Assert.All(rows, row => Assert.True(row.Sum(e => e.InputIds.Length) <= 1024));
        Assert.Equal(examples.Count, rows.SelectMany(r => r).Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.Equal(examples.Count, rows.Sum(r => r.Count));
    }

    [Fact]
    public void Packing_IsTheSameForASeed_AndRowsComeInADifferentOrderEachEpoch()
    {
        var random = new Random(5);
        List<TokenizedExample> examples = Lengths(Enumerable.Range(0, 200).Select(_ => random.Next(2, 300)).ToArray());
        var first = new RowSchedule(examples, seed: 4, maxLength: 512, packing: true);
        var again = new RowSchedule(examples, seed: 4, maxLength: 512, packing: true);
        int perEpoch = first.RowsPerEpoch;

        List<IReadOnlyList<TokenizedExample>> epochs = first.Take(2 * perEpoch);
        List<IReadOnlyList<TokenizedExample>> replayed = again.Take(2 * perEpoch);

        Assert.Equal(epochs.Select(r => r.ToArray()), replayed.Select(r => r.ToArray()));
        // Row lengths in order, epoch 1 against epoch 2: the rows are reshuffled, not replayed from long to short.
        int[] firstLengths = epochs.Take(perEpoch).Select(r => r.Sum(e => e.InputIds.Length)).ToArray();
        int[] secondLengths = epochs.Skip(perEpoch).Select(r => r.Sum(e => e.InputIds.Length)).ToArray();
        Assert.NotEqual(firstLengths, secondLengths);
        Assert.NotEqual(firstLengths.OrderDescending(), firstLengths);
    }

    private static List<TokenizedExample> Lengths(params int[] lengths) =>
        lengths.Select(n => new TokenizedExample(new int[n], Enumerable.Repeat(true, n).ToArray())).ToList();

    // System.Random(int) is the .NET Framework-compatible generator, stable across runtimes and processes.
    private static readonly int[] PinnedOrder = [3, 4, 1, 0, 6, 2, 7, 5];
}
