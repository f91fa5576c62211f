using System.Diagnostics;
using Xunit.Abstractions;

namespace FineTune.Privacy.Tests;

public sealed class RdpAccountantTests(ITestOutputHelper output)
{
    [Fact]
    public void GetEpsilon_OpacusRdpAccountantTest_MatchesTo7Places()
    {
        PublishedCase published = PublishedDpValues.Single(
            PublishedDpValues.OpacusAccountantTests,
            "AccountingTest.test_rdp_accountant");
        var accountant = new RdpAccountant();
        for (int step = 0; step < published.IntInput("steps"); step++)
        {
            accountant.Step(published.Input("noise_multiplier"), published.Input("sample_rate"));
        }

        double epsilon = accountant.GetEpsilon(published.Input("delta"));

        PublishedDpValues.AssertAlmostEqual(published.PublishedValue, epsilon, 7);
    }

    [Fact]
    public void Step_IdenticalSteps_MergeIntoOneEntry()
    {
        var accountant = new RdpAccountant();

        accountant.Step(1.0, 0.01);
        accountant.Step(1.0, 0.01);
        accountant.Step(1.0, 0.01, 3);

        Assert.Equal([new PrivacyHistoryEntry(1.0, 0.01, 5)], accountant.History);
    }

    [Fact]
    public void Step_ChangedParameters_AppendsEntries()
    {
        var accountant = new RdpAccountant();

        accountant.Step(1.0, 0.01);
        accountant.Step(1.2, 0.01);
        accountant.Step(1.0, 0.01);

        Assert.Equal(
            [
                new PrivacyHistoryEntry(1.0, 0.01, 1),
                new PrivacyHistoryEntry(1.2, 0.01, 1),
                new PrivacyHistoryEntry(1.0, 0.01, 1),
            ],
            accountant.History);
    }

    [Fact]
    public void GetEpsilon_MixedHistory_EqualsSumOfComputeRdp()
    {
        var accountant = new RdpAccountant();
        accountant.Step(1.1, 0.02, 100);
        accountant.Step(0.9, 0.01, 50);
        accountant.Step(1.1, 0.02, 25);
        double[] expected = new double[Rdp.DefaultOrders.Count];
        foreach ((double sigma, double q, int steps) in new[] { (1.1, 0.02, 100), (0.9, 0.01, 50), (1.1, 0.02, 25) })
        {
            double[] rdp = Rdp.ComputeRdp(q, sigma, steps, Rdp.DefaultOrders);
            for (int k = 0; k < expected.Length; k++)
            {
                expected[k] += rdp[k];
            }
        }

        (double epsilon, double order) = accountant.GetPrivacySpent(1e-5);

        Assert.Equal(Rdp.GetPrivacySpent(Rdp.DefaultOrders, expected, 1e-5), (epsilon, order));
    }

    [Fact]
    public void GetEpsilon_NoSteps_IsZero()
    {
        var accountant = new RdpAccountant();

        Assert.Equal(0.0, accountant.GetEpsilon(1e-5));
    }

    [Fact]
    public void GetEpsilon_AfterEachStep_StaysCheap()
    {
        var accountant = new RdpAccountant();
        accountant.Step(1.5, 0.04);
        accountant.GetEpsilon(1e-5);
        var stopwatch = Stopwatch.StartNew();

        for (int step = 1; step < 2250; step++)
        {
            accountant.Step(1.5, 0.04);
            accountant.GetEpsilon(1e-5);
        }

        stopwatch.Stop();
        double microsecondsPerCall = stopwatch.Elapsed.TotalMicroseconds / 2249;
        output.WriteLine($"RDP Step + GetEpsilon: {microsecondsPerCall:F1} us per training step (151 orders)");
        Assert.True(microsecondsPerCall < 1000, $"{microsecondsPerCall} us per step");
    }

    [Fact]
    public void Mechanism_NewAccountant_IsRdp()
    {
        Assert.Equal("rdp", new RdpAccountant().Mechanism);
    }

    [Theory]
    [InlineData(-1.0, 0.01, "noiseMultiplier")]
    [InlineData(1.0, 1.5, "sampleRate")]
    [InlineData(double.PositiveInfinity, 0.01, "noiseMultiplier")]
    public void Step_InvalidArgument_ThrowsNamingIt(double sigma, double q, string parameter)
    {
        var accountant = new RdpAccountant();

        Assert.Throws<ArgumentOutOfRangeException>(parameter, () => accountant.Step(sigma, q));
    }

    [Fact]
    public void Step_NegativeSteps_Throws()
    {
        var accountant = new RdpAccountant();

        Assert.Throws<ArgumentOutOfRangeException>("steps", () => accountant.Step(1.0, 0.01, -1));
    }

    [Fact]
    public void GetEpsilon_InvalidDelta_Throws()
    {
        var accountant = new RdpAccountant();

        Assert.Throws<ArgumentOutOfRangeException>("delta", () => accountant.GetEpsilon(0.0));
    }
}
