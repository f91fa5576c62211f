namespace FineTune.Privacy.Tests;

public sealed class GaussianMechanismTests
{
    // delta(eps) straight from Phi, where neither term overflows: the logarithmic form must agree with it.
    [Theory]
    [InlineData(1.0, 1e-5)]
    [InlineData(0.1, 0.1)]
    [InlineData(3.0, 1e-10)]
    [InlineData(10.0, 1e-3)]
    public void Epsilon_ModerateMu_ReproducesDeltaThroughPhi(double mu, double delta)
    {
        double epsilon = GaussianMechanism.Epsilon(mu, delta);

        double achieved = SpecialFunctions.NormalCdf(-epsilon / mu + mu / 2)
            - Math.Exp(epsilon) * SpecialFunctions.NormalCdf(-epsilon / mu - mu / 2);
        Assert.Equal(delta, achieved, delta * 1e-9);
    }

    // mu = 2000 (T = 1e6 steps of sigma 0.5): eps is about 2e6, where e^eps overflows; delta must still come back.
    [Fact]
    public void Epsilon_HugeMu_ReproducesDeltaInLogs()
    {
        double epsilon = GaussianMechanism.Epsilon(2000.0, 1e-10);

        Assert.InRange(epsilon, 2.0e6, 2.1e6);
        Assert.Equal(Math.Log(1e-10), GaussianMechanism.LogDelta(epsilon, 2000.0), 1e-6);
    }

    // delta(0) = 2 Phi(mu / 2) - 1; a larger delta is met at a negative epsilon, as for the PRV curve.
    [Fact]
    public void Epsilon_DeltaAboveDeltaAtZero_IsNegative()
    {
        double mu = 0.1;
        double deltaAtZero = 2 * SpecialFunctions.NormalCdf(mu / 2) - 1;

        Assert.True(GaussianMechanism.Epsilon(mu, deltaAtZero * 1.5) < 0);
        Assert.True(GaussianMechanism.Epsilon(mu, deltaAtZero / 1.5) > 0);
    }

    // Losses add: 3 steps of sigma 1 and 4 of sigma 2 give mu^2 = 3 + 1 = 4, one step of sigma 0.5.
    [Fact]
    public void PrvAccountant_MixedSigmaWithoutSampling_EqualsOneGaussianOfComposedMu()
    {
        var mixed = new PrvAccountant();
        mixed.Step(1.0, 1.0, 3);
        mixed.Step(2.0, 1.0, 4);
        var single = new PrvAccountant();
        single.Step(0.5, 1.0);

        PrvEpsilon bounds = mixed.GetEpsilonBounds(1e-5);

        Assert.Equal(GaussianMechanism.Epsilon(2.0, 1e-5), bounds.Upper);
        Assert.Equal(single.GetEpsilon(1e-5), bounds.Upper);
        Assert.Equal(bounds.Lower, bounds.Upper);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.PositiveInfinity)]
    public void Epsilon_BadMu_ThrowsNamingMu(double mu)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => GaussianMechanism.Epsilon(mu, 1e-5));
        Assert.Equal("mu", error.ParamName);
    }
}
