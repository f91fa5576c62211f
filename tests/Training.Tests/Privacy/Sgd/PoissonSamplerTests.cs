using FineTune.Training.Privacy.Sgd;
using Xunit.Abstractions;

namespace FineTune.Training.Tests.Privacy.Sgd;

public sealed class PoissonSamplerTests(ITestOutputHelper output)
{
    private const int Units = 1000;
    private const double ExpectedBatch = 50; // q = 0.05
    private const int Steps = 4000;

    private static int[] BatchSizes(PoissonSampler sampler) =>
        Enumerable.Range(0, Steps).Select(step => sampler.Sample(step).Length).ToArray();

    [Fact]
    public void Sample_BatchSizes_PassChiSquaredAgainstBinomial()
    {
        var sampler = new PoissonSampler(Units, ExpectedBatch, seed: 2024);
        int[] sizes = BatchSizes(sampler);

        // Bins of sizes, the tails merged until each expects at least 5 batches (Cochran's rule).
        double[] pmf = BinomialPmf(Units, sampler.SampleRate);
        var bins = new List<(int Low, int High, double Expected)>();
        int start = 0;
        double mass = 0;
        for (int k = 0; k <= Units; k++)
        {
            mass += pmf[k];
            if (mass * Steps >= 5 && (1 - pmf.Take(k + 1).Sum()) * Steps >= 5)
            {
                bins.Add((start, k, mass * Steps));
                start = k + 1;
                mass = 0;
            }
        }
        bins.Add((start, Units, (mass + (1 - pmf.Sum())) * Steps));
        double chiSquared = bins.Sum(b =>
        {
            int observed = sizes.Count(s => s >= b.Low && s <= b.High);
            return (observed - b.Expected) * (observed - b.Expected) / b.Expected;
        });
        int degreesOfFreedom = bins.Count - 1;
        // Wilson–Hilferty: χ²(k) at upper tail 0.001 is k (1 - 2/(9k) + 3.0902 √(2/(9k)))³, accurate to < 1% here.
        double a = 2.0 / (9 * degreesOfFreedom);
        double critical = degreesOfFreedom * Math.Pow(1 - a + (3.0902 * Math.Sqrt(a)), 3);

        output.WriteLine($"chi^2 = {chiSquared:F2} with {degreesOfFreedom} degrees of freedom (0.1% critical value {critical:F2})");
        Assert.InRange(degreesOfFreedom, 30, 50);
        Assert.True(chiSquared < critical, $"chi^2 {chiSquared:F2} >= {critical:F2}");
    }

    [Fact]
    public void Sample_BatchSizes_HaveBinomialMeanAndVariance()
    {
        var sampler = new PoissonSampler(Units, ExpectedBatch, seed: 99);
        int[] sizes = BatchSizes(sampler);

        double mean = sizes.Average();
        double variance = sizes.Sum(s => (s - mean) * (s - mean)) / (Steps - 1);
        double expectedVariance = Units * sampler.SampleRate * (1 - sampler.SampleRate);
        output.WriteLine($"batch size mean {mean:F3} (expected 50), variance {variance:F3} (expected {expectedVariance:F3})");

        // Four standard errors: √(47.5 / 4000) = 0.109 for the mean, about 2.2% relative for the variance.
        Assert.InRange(mean, ExpectedBatch - 0.44, ExpectedBatch + 0.44);
        Assert.InRange(variance, expectedVariance * 0.91, expectedVariance * 1.09);
    }

    [Fact]
    public void Sample_EachUnit_JoinsAtTheSampleRate()
    {
        var sampler = new PoissonSampler(200, 20, seed: 5);
        var joins = new int[200];

        for (int step = 0; step < Steps; step++)
        {
            foreach (int unit in sampler.Sample(step))
            {
                joins[unit]++;
            }
        }

        // Binomial(4000, 0.1) per unit: mean 400, sd 19; 5 sd covers 200 units with room to spare.
        Assert.All(joins, count => Assert.InRange(count, 400 - 95, 400 + 95));
    }

    [Fact]
    public void Sample_SameSeedAndStep_GivesTheSameBatch_OtherSeedsDiffer()
    {
        var sampler = new PoissonSampler(Units, ExpectedBatch, seed: 17);
        var again = new PoissonSampler(Units, ExpectedBatch, seed: 17);
        var other = new PoissonSampler(Units, ExpectedBatch, seed: 18);

        Assert.All(Enumerable.Range(0, 20), step => Assert.Equal(sampler.Sample(step), again.Sample(step)));
        Assert.NotEqual(sampler.Sample(0), other.Sample(0));
        Assert.NotEqual(sampler.Sample(0), sampler.Sample(1));
    }

    [Fact]
    public void Sample_Indices_AreAscendingDistinctAndInRange()
    {
        var sampler = new PoissonSampler(Units, 300, seed: 3);

        int[] batch = sampler.Sample(12);

        Assert.NotEmpty(batch);
        Assert.All(batch.Zip(batch.Skip(1)), p => Assert.True(p.First < p.Second));
        Assert.All(batch, i => Assert.InRange(i, 0, Units - 1));
    }

    [Fact]
    public void Sample_SmallRate_ProducesLegalEmptyBatches()
    {
        var sampler = new PoissonSampler(10, 0.5, seed: 8);

        int empty = Enumerable.Range(0, 1000).Count(step => sampler.Sample(step).Length == 0);

        // P(empty) = 0.95^10 ≈ 0.599.
        Assert.InRange(empty, 540, 660);
    }

    [Fact]
    public void NextBatch_AdvancesPosition_AndResumingFromAPositionReplaysTheBatches()
    {
        var sampler = new PoissonSampler(Units, ExpectedBatch, seed: 21);
        int[][] first = [sampler.NextBatch(), sampler.NextBatch(), sampler.NextBatch()];
        var resumed = new PoissonSampler(Units, ExpectedBatch, seed: sampler.Seed) { Position = 1 };

        int[] replayed = resumed.NextBatch();

        Assert.Equal(3, sampler.Position);
        Assert.Equal(first[1], replayed);
        Assert.Equal(first[2], resumed.NextBatch());
    }

    [Fact]
    public void Constructor_WithoutSeed_RecordsACsprngSeed_AndDerivesTheRate()
    {
        var sampler = new PoissonSampler(Units, ExpectedBatch);
        var other = new PoissonSampler(Units, ExpectedBatch);

        Assert.NotEqual(sampler.Seed, other.Seed);
        Assert.Equal(0.05, sampler.SampleRate, 15);
        Assert.Equal(ExpectedBatch, sampler.ExpectedBatchSize);
        Assert.Equal(new PoissonSampler(Units, ExpectedBatch, sampler.Seed).Sample(4), sampler.Sample(4));
    }

    [Fact]
    public void Constructor_InvalidSizes_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PoissonSampler(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PoissonSampler(10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PoissonSampler(10, 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PoissonSampler(10, double.NaN));
    }

    // Binomial(n, p) probabilities by the ratio recurrence in log space (n = 1000 underflows naive products).
    private static double[] BinomialPmf(int n, double p)
    {
        var pmf = new double[n + 1];
        double log = n * Math.Log(1 - p);
        for (int k = 0; k <= n; k++)
        {
            pmf[k] = Math.Exp(log);
            log += Math.Log((double)(n - k) / (k + 1)) + Math.Log(p / (1 - p));
        }
        return pmf;
    }
}
