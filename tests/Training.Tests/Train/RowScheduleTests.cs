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

    // System.Random(int) is the .NET Framework-compatible generator, stable across runtimes and processes.
    private static readonly int[] PinnedOrder = [3, 4, 1, 0, 6, 2, 7, 5];
}
