using System.Diagnostics;
using FineTune.Privacy;
using FineTune.Training.Privacy.Sgd;
using Xunit.Abstractions;

namespace FineTune.Training.Tests.Privacy.Sgd;

public sealed class PrivacyBudgetTests(ITestOutputHelper output)
{
    private static double Epsilon(string mechanism, double sigma, double q, int steps, double delta)
    {
        IPrivacyAccountant accountant = PrivacyAccountants.Create(mechanism);
        accountant.Step(sigma, q, steps);
        return accountant.GetEpsilon(delta);
    }

    [Fact]
    public void WouldExceed_Rdp_StopsExactlyBeforeTheAccountantCrossesTheTarget()
    {
        var budget = new PrivacyBudget(noiseMultiplier: 1.0, sampleRate: 0.01, delta: 1e-5, targetEpsilon: 2.0);

        long maxSteps = budget.MaxSteps;

        output.WriteLine($"RDP: {maxSteps} steps fit in epsilon 2");
        Assert.InRange(maxSteps, 10, 100_000);
        Assert.False(budget.WouldExceed(maxSteps));
        Assert.True(budget.WouldExceed(maxSteps + 1));
        Assert.True(Epsilon("rdp", 1.0, 0.01, (int)maxSteps, 1e-5) <= 2.0);
        Assert.True(Epsilon("rdp", 1.0, 0.01, (int)maxSteps + 1, 1e-5) > 2.0);
    }

    [Fact]
    public void WouldExceed_EveryStepOfARun_MatchesAnAccountantChargedStepByStep()
    {
        var budget = new PrivacyBudget(1.5, 0.04, 1e-5, targetEpsilon: 1.0);
        var accountant = new RdpAccountant();

        for (int step = 1; step <= 400; step++)
        {
            accountant.Step(1.5, 0.04);
            Assert.Equal(accountant.GetEpsilon(1e-5) > 1.0, budget.WouldExceed(step));
        }
    }

    [Fact]
    public void WouldExceed_Prv_UsesThePrvLimitWhichLiesAboveTheRdpOne()
    {
        var rdp = new PrivacyBudget(1.0, 0.02, 1e-5, targetEpsilon: 3.0);
        var prv = new PrivacyBudget(1.0, 0.02, 1e-5, targetEpsilon: 3.0, PrivacyAccountants.PrvMechanism);
        var stopwatch = Stopwatch.StartNew();

        long maxSteps = prv.MaxSteps;

        stopwatch.Stop();
        output.WriteLine($"PRV limit {maxSteps} steps vs RDP {rdp.MaxSteps}, found in {stopwatch.ElapsedMilliseconds} ms");
        Assert.True(maxSteps >= rdp.MaxSteps);
        Assert.True(Epsilon("prv", 1.0, 0.02, (int)maxSteps, 1e-5) <= 3.0);
        Assert.True(Epsilon("prv", 1.0, 0.02, (int)maxSteps + 1, 1e-5) > 3.0);
        Assert.False(prv.WouldExceed(maxSteps));
        Assert.True(prv.WouldExceed(maxSteps + 1));
    }

    [Fact]
    public void EpsilonAfter_PublishedOpacusCase_MatchesTheAccountant()
    {
        var budget = new PrivacyBudget(1.5, 0.04, 1e-5, targetEpsilon: 10);

        double epsilon = budget.EpsilonAfter(2250);

        Assert.Equal(7.32911117143, epsilon, 1e-9);
        Assert.Equal(Epsilon("rdp", 1.5, 0.04, 2250, 1e-5), epsilon);
        Assert.False(budget.WouldExceed(2250));
    }

    [Fact]
    public void MaxSteps_ZeroSampleRate_NeverRunsOut()
    {
        var budget = new PrivacyBudget(1.0, 0.0, 1e-5, 0.5, PrivacyAccountants.PrvMechanism);

        Assert.Equal(int.MaxValue, budget.MaxSteps);
        Assert.False(budget.WouldExceed(1_000_000_000));
    }

    [Fact]
    public void WouldExceed_NoNoise_ExceedsAtTheFirstStep()
    {
        var budget = new PrivacyBudget(0.0, 0.01, 1e-5, 8.0);

        Assert.False(budget.WouldExceed(0));
        Assert.True(budget.WouldExceed(1));
        Assert.Equal(0, budget.MaxSteps);
    }

    [Fact]
    public void Constructor_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PrivacyBudget(1, 0.01, 1e-5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PrivacyBudget(1, 0.01, 1.5, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PrivacyBudget(1, 2, 1e-5, 1));
        Assert.Throws<ArgumentException>(() => new PrivacyBudget(1, 0.01, 1e-5, 1, "moments"));
    }
}
