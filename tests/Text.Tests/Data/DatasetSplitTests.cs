using FineTune.Text.Data;

namespace FineTune.Text.Tests.Data;

public sealed class DatasetSplitTests
{
    private static List<TrainingExample> Examples(int count, Func<int, string?>? entity = null) =>
        [.. Enumerable.Range(0, count).Select(i => new TrainingExample
        {
            Format = DatasetFormat.Text,
            Text = $"example {i}",
            RecordIndex = i,
            EntityKey = entity?.Invoke(i),
        })];

    [Fact]
    public void Split_SameSeed_GivesTheSameSplit()
    {
        List<TrainingExample> examples = Examples(100);

        DatasetSplit first = DatasetSplit.Split(examples, 0.2, seed: 42);
        DatasetSplit second = DatasetSplit.Split(examples, 0.2, seed: 42);

        Assert.Equal(first.Validation, second.Validation);
        Assert.Equal(first.Train, second.Train);
        Assert.Equal(20, first.Validation.Count);
        Assert.Equal(80, first.Train.Count);
    }

    [Fact]
    public void Split_DifferentSeeds_GiveDifferentSplits()
    {
        List<TrainingExample> examples = Examples(100);

        DatasetSplit first = DatasetSplit.Split(examples, 0.2, seed: 1);
        DatasetSplit second = DatasetSplit.Split(examples, 0.2, seed: 2);

        Assert.NotEqual(first.Validation, second.Validation);
    }

    // [5, 8, 9] was computed by a separate Python SplitMix64 + Fisher-Yates, so this pins the algorithm, not just itself.
    [Fact]
    public void Split_KnownSeed_MatchesAnIndependentSplitMix64FisherYates()
    {
        DatasetSplit split = DatasetSplit.Split(Examples(10), 0.3, seed: 7);

        Assert.Equal([5, 8, 9], split.Validation.Select(example => example.RecordIndex));
    }

    [Fact]
    public void Split_BothSides_KeepTheOriginalOrderAndEveryExample()
    {
        List<TrainingExample> examples = Examples(50);

        DatasetSplit split = DatasetSplit.Split(examples, 0.5, seed: 3);

        Assert.Equal(split.Train.OrderBy(example => example.RecordIndex), split.Train);
        Assert.Equal(split.Validation.OrderBy(example => example.RecordIndex), split.Validation);
        Assert.Equal(examples, split.Train.Concat(split.Validation).OrderBy(example => example.RecordIndex));
    }

    [Theory]
    [InlineData(10, 0.0, 0)]
    [InlineData(10, 0.01, 1)]
    [InlineData(100, 0.7, 70)]
    [InlineData(2, 0.99, 1)]
    [InlineData(1, 0.5, 0)]
    [InlineData(0, 0.5, 0)]
    public void Split_Fraction_HoldsOutTheCeilingButKeepsOneForTraining(int count, double fraction, int expected)
    {
        DatasetSplit split = DatasetSplit.Split(Examples(count), fraction, seed: 0);

        Assert.Equal(expected, split.Validation.Count);
        Assert.Equal(count - expected, split.Train.Count);
    }

    [Fact]
    public void Split_Entities_StayOnOneSide()
    {
        List<TrainingExample> examples = Examples(60, i => $"user{i % 7}");

        DatasetSplit split = DatasetSplit.Split(examples, 0.25, seed: 5);

        var trainEntities = split.Train.Select(example => example.EntityKey).ToHashSet();
        var validationEntities = split.Validation.Select(example => example.EntityKey).ToHashSet();
        Assert.Empty(trainEntities.Intersect(validationEntities));
        Assert.Equal(2, validationEntities.Count);
        Assert.Equal(5, trainEntities.Count);
        Assert.Equal(60, split.Train.Count + split.Validation.Count);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Split_FractionOutOfRange_Throws(double fraction)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplit.Split(Examples(3), fraction, seed: 0));
    }
}
