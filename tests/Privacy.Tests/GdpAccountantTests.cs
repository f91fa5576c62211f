
namespace FineTune.Privacy.Tests;

public sealed class GdpAccountantTests
{
    [Fact]
    public void GetEpsilon_OpacusGdpAccountantTest_InPublishedRange()
    {
        PublishedCase published = PublishedDpValues.Single(
            PublishedDpValues.OpacusAccountantTests,
            "AccountingTest.test_gdp_accountant");
        var accountant = new GdpAccountant();
        accountant.Step(published.Input("noise_multiplier"), published.Input("sample_rate"), published.IntInput("steps"));

        double epsilon = accountant.GetEpsilon(published.Input("delta"));

        // Published as "(6.59, 6.6)": 6.59 < eps < 6.6.
        Assert.InRange(epsilon, 6.59, 6.6);
    }

    [Fact]
    public void EpsilonFromMu_Root_ReproducesDelta()
    {
        double epsilon = Gdp.EpsilonFromMu(1.0, 1e-5);

        // mu = 1: delta = Phi(-eps + 1/2) - e^eps Phi(-eps - 1/2), with Phi(x) = erfc(-x / sqrt 2) / 2.
        double delta = 0.5 * Erfc((epsilon - 0.5) / Math.Sqrt(2))
            - Math.Exp(epsilon) * 0.5 * Erfc((epsilon + 0.5) / Math.Sqrt(2));

        Assert.Equal(1e-5, delta, 1e-15);
    }

    [Fact]
    public void Step_ChangedNoiseMultiplier_Throws()
    {
        var accountant = new GdpAccountant();
        accountant.Step(1.0, 0.01);

        Assert.Throws<InvalidOperationException>(() => accountant.Step(1.1, 0.01));
    }

    [Fact]
    public void GetEpsilon_NoSteps_IsZero()
    {
        Assert.Equal(0.0, new GdpAccountant().GetEpsilon(1e-5));
    }

    private static double Erfc(double x) => SpecialFunctions.Erfc(x);
}
