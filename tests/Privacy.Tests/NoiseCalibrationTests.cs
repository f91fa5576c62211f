
namespace FineTune.Privacy.Tests;

public sealed class NoiseCalibrationTests
{
    public static TheoryData<int> OpacusCases =>
        PublishedDpValues.Indices(c => c.Description.StartsWith("test_get_noise_multiplier_", StringComparison.Ordinal));

    // Opacus's test_get_noise_multiplier_{rdp,prv,gdp}_{epochs,steps}: 4 places for rdp and prv, 7 for gdp.
    // With epochs, Opacus counts int(epochs / sample_rate) steps: (int)(90 / 0.04) = 2250.
    [Theory]
    [MemberData(nameof(OpacusCases))]
    public void GetNoiseMultiplier_OpacusPublished_MatchesAtSourcePrecision(int caseIndex)
    {
        PublishedCase published = PublishedDpValues.Cases[caseIndex];
        string accountant = published.StringInput("accountant")!;
        double sampleRate = published.Input("sample_rate");
        int steps = published.Inputs["steps"] is null
            ? (int)(published.Input("epochs") / sampleRate)
            : published.IntInput("steps");

        double sigma = NoiseCalibration.GetNoiseMultiplier(
            published.Input("target_epsilon"),
            published.Input("target_delta"),
            sampleRate,
            steps,
            accountant,
            published.Input("epsilon_tolerance"));

        PublishedDpValues.AssertAlmostEqual(published.PublishedValue, sigma, accountant == "gdp" ? 7 : 4);
    }

    [Fact]
    public void GetNoiseMultiplier_Result_MeetsBudgetWithinTolerance()
    {
        double sigma = NoiseCalibration.GetNoiseMultiplier(3.0, 1e-5, 0.01, 1000, "rdp");
        var accountant = new RdpAccountant();
        accountant.Step(sigma, 0.01, 1000);

        double epsilon = accountant.GetEpsilon(1e-5);

        Assert.InRange(epsilon, 3.0 - NoiseCalibration.DefaultEpsilonTolerance, 3.0);
    }

    [Fact]
    public void GetNoiseMultiplier_UnreachableBudget_Throws()
    {
        Assert.Throws<ArgumentException>(
            "targetEpsilon",
            () => NoiseCalibration.GetNoiseMultiplier(1e-9, 1e-5, 1.0, 1000, "rdp"));
    }

    [Fact]
    public void GetNoiseMultiplier_UnknownAccountant_Throws()
    {
        Assert.Throws<ArgumentException>("accountant", () => NoiseCalibration.GetNoiseMultiplier(8, 1e-5, 0.04, 100, "pld"));
    }

    [Theory]
    [InlineData(0.0, 1e-5, 0.04, 100, "targetEpsilon")]
    [InlineData(8.0, 0.0, 0.04, 100, "delta")]
    [InlineData(8.0, 1e-5, 0.0, 100, "sampleRate")]
    [InlineData(8.0, 1e-5, 1.5, 100, "sampleRate")]
    [InlineData(8.0, 1e-5, 0.04, 0, "steps")]
    public void GetNoiseMultiplier_InvalidArgument_ThrowsNamingIt(
        double epsilon,
        double delta,
        double q,
        int steps,
        string parameter)
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            parameter,
            () => NoiseCalibration.GetNoiseMultiplier(epsilon, delta, q, steps, "rdp"));
    }

    // The PRV search is seeded from RDP's answer so it runs PRV only near the solution, yet it must return what the
    // unseeded Opacus bisection returns: its epsilon within the tolerance below the target.
    [Theory]
    [InlineData(3.0, 0.02, 500)]
    [InlineData(1.0, 0.001, 2000)]
    public void GetNoiseMultiplier_Prv_MeetsBudgetWithinTolerance(double targetEpsilon, double sampleRate, int steps)
    {
        double sigma = NoiseCalibration.GetNoiseMultiplier(targetEpsilon, 1e-5, sampleRate, steps, "prv");
        var accountant = new PrvAccountant();
        accountant.Step(sigma, sampleRate, steps);

        double epsilon = accountant.GetEpsilon(1e-5);

        Assert.InRange(epsilon, targetEpsilon - NoiseCalibration.DefaultEpsilonTolerance, targetEpsilon);
    }

    // Where PRV falls far below RDP (delta 0.1: at RDP's sigma PRV's epsilon is a quarter of the target) and steeply,
    // secant steps on full PRV runs overshot and took 8 runs; the root of an 8x coarser PRV, then the full accountant
    // at it and beside the band, takes at most 5. Either way the answer is the unseeded bisection's, to the bit.
    [Fact]
    public void Search_SteepPrvCurve_SeededMatchesPlainBisectionInAtMostFiveRuns()
    {
        var accountant = new PrvAccountant();
        accountant.Step(0.5, 1e-3, 10_000);
        double target = accountant.GetEpsilon(0.1);

        double tolerance = NoiseCalibration.DefaultEpsilonTolerance;
        (double seeded, int seededRuns) = NoiseCalibration.Search(target, 0.1, 1e-3, 10_000, "prv", tolerance, seed: true);
        (double plain, int plainRuns) = NoiseCalibration.Search(target, 0.1, 1e-3, 10_000, "prv", tolerance, seed: false);

        Assert.Equal(plain, seeded);
        Assert.InRange(seededRuns, 1, 5);
        Assert.True(plainRuns > seededRuns, $"plain {plainRuns}, seeded {seededRuns}");
    }
}
