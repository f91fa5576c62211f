
namespace FineTune.Privacy.Tests;

public sealed class RdpTests
{
    private const string GoogleRdpTests = "python/dp_accounting/dp_accounting/rdp/rdp_privacy_accountant_test.py";
    private const string OpacusRdpModule = "opacus/accountants/analysis/rdp.py";

    [Fact]
    public void DefaultOrders_Read_AreOpacusAlphas()
    {
        IReadOnlyList<double> orders = Rdp.DefaultOrders;

        Assert.Equal(151, orders.Count);
        Assert.Equal(1.1, orders[0]);
        Assert.Equal(10.9, orders[98]);
        Assert.Equal(12.0, orders[99]);
        Assert.Equal(63.0, orders[^1]);
    }

    [Fact]
    public void ComputeRdp_ZeroSampleRate_IsZero()
    {
        double[] rdp = Rdp.ComputeRdp(0.0, 1.0, 100, Rdp.DefaultOrders);

        Assert.All(rdp, value => Assert.Equal(0.0, value));
    }

    [Fact]
    public void ComputeRdp_ZeroNoise_IsInfinite()
    {
        double[] rdp = Rdp.ComputeRdp(0.01, 0.0, 1, Rdp.DefaultOrders);

        Assert.All(rdp, value => Assert.Equal(double.PositiveInfinity, value));
    }

    [Fact]
    public void ComputeRdp_FullSampleRate_IsGaussianMechanism()
    {
        double[] orders = [1.5, 2.0, 32.0];

        double[] rdp = Rdp.ComputeRdp(1.0, 2.0, 3, orders);

        Assert.Equal([1.5 / 8 * 3, 2.0 / 8 * 3, 32.0 / 8 * 3], rdp);
    }

    [Fact]
    public void ComputeRdp_ZeroSteps_IsZero()
    {
        double[] rdp = Rdp.ComputeRdp(0.5, 0.0, 0, [2.0]);

        Assert.Equal([0.0], rdp);
    }

    // A_alpha = E_{z ~ N(0, sigma^2)}[((1 - q) + q e^((2z - 1) / (2 sigma^2)))^alpha], integrated with mpmath at
    // 40 digits; the Signed series must agree to ~1e-9 relative, integer and fractional orders alike.
    [Theory]
    [InlineData(0.01, 2.5, 1.5, 1.3001417943734774e-05)]
    [InlineData(0.01, 2.5, 2.5, 2.170836113834803e-05)]
    [InlineData(0.04, 1.5, 3.9, 0.001833202199583812)]
    [InlineData(0.01, 0.7, 4.4, 0.004555273301190593)]
    [InlineData(0.01, 0.35, 1.7, 0.0649680604157604)]
    public void ComputeRdp_SignedSeries_MatchesNumericalIntegration(double q, double sigma, double order, double expected)
    {
        double rdp = Rdp.ComputeRdp(q, sigma, 1, [order])[0];

        Assert.Equal(expected, rdp, expected * 1e-9);
    }

    [Fact]
    public void ComputeRdp_AbsoluteBound_IsAtLeastSigned()
    {
        double[] signed = Rdp.ComputeRdp(0.01, 0.7, 1, Rdp.DefaultOrders);

        double[] bound = Rdp.ComputeRdp(0.01, 0.7, 1, Rdp.DefaultOrders, FractionalOrderSeries.AbsoluteBound);

        Assert.All(signed.Zip(bound), pair => Assert.True(pair.Second >= pair.First * (1 - 1e-12)));
    }

    // dp_accounting's test_compute_rdp_poisson_sampled_gaussian (np.allclose, rtol=1e-4). Those values come from
    // dp_accounting's absolute-value series; Opacus's signed series gives 6.5007e-4 at order 1.5, 3% lower.
    [Fact]
    public void ComputeRdp_GooglePublishedRawRdp_MatchesAbsoluteBoundWithin1e4Relative()
    {
        PublishedCase published = PublishedDpValues.Single(GoogleRdpTests, "test_compute_rdp_poisson_sampled_gaussian");
        double[] orders = [.. published.Inputs["orders"]!.AsArray().Select(node => node!.GetValue<double>())];

        double[] rdp = Rdp.ComputeRdp(
            published.Input("q"),
            published.Input("noise_multiplier"),
            published.IntInput("steps"),
            orders,
            FractionalOrderSeries.AbsoluteBound);

        for (int k = 0; k < orders.Length; k++)
        {
            double expected = published.PublishedItem(k);
            Assert.True(
                Math.Abs(rdp[k] - expected) <= 1e-4 * Math.Abs(expected),
                $"order {orders[k]}: {rdp[k]:R} vs {expected:R}");
        }
    }

    [Fact]
    public void GetPrivacySpent_GoogleConstantRdp_MatchesTo7Places()
    {
        PublishedCase published = PublishedDpValues.Single(GoogleRdpTests, "test_compute_epsilon_delta_pure_dp");
        double[] orders = PublishedDpValues.ParseOrders(published.StringInput("orders")!);
        double[] rdp = [.. orders.Select(_ => published.Input("rdp"))];

        (double epsilon, double order) = Rdp.GetPrivacySpent(orders, rdp, published.Input("delta"));

        PublishedDpValues.AssertAlmostEqual(published.PublishedItem(0), epsilon, 7);
        Assert.Equal(published.PublishedItem(1), order);
    }

    // The module docstring of Opacus's analysis/rdp.py (doctest +NUMBER: 3 significant digits).
    [Fact]
    public void GetPrivacySpent_OpacusDocstringHistory_Matches3Digits()
    {
        PublishedCase published = PublishedDpValues.Single(OpacusRdpModule, "module docstring doctest");
        double[] orders = PublishedDpValues.ParseOrders(published.StringInput("orders")!);
        var rdp = new double[orders.Length];
        foreach (var entry in published.Inputs["history"]!.AsArray())
        {
            double[] values = [.. entry!.AsArray().Select(node => node!.GetValue<double>())];
            double[] step = Rdp.ComputeRdp(values[0], values[1], (int)values[2], orders);
            for (int k = 0; k < rdp.Length; k++)
            {
                rdp[k] += step[k];
            }
        }

        (double epsilon, double order) = Rdp.GetPrivacySpent(orders, rdp, published.Input("delta"));

        Assert.Equal(published.PublishedItem(0), Math.Round(epsilon, 3));
        Assert.Equal(published.PublishedItem(1), order);
    }

    [Fact]
    public void GetPrivacySpent_AllInfinite_ReturnsInfinity()
    {
        double[] rdp = [double.PositiveInfinity, double.PositiveInfinity];

        (double epsilon, double order) = Rdp.GetPrivacySpent([2.0, 3.0], rdp, 1e-5);

        Assert.Equal(double.PositiveInfinity, epsilon);
        Assert.Equal(2.0, order);
    }

    [Fact]
    public void GetPrivacySpent_MismatchedLengths_Throws()
    {
        Assert.Throws<ArgumentException>("rdp", () => Rdp.GetPrivacySpent([2.0, 3.0], [0.1], 1e-5));
    }

    [Theory]
    [InlineData(-0.1, 1.0, 1, "q")]
    [InlineData(1.1, 1.0, 1, "q")]
    [InlineData(double.NaN, 1.0, 1, "q")]
    [InlineData(0.1, -1.0, 1, "noiseMultiplier")]
    [InlineData(0.1, double.NaN, 1, "noiseMultiplier")]
    [InlineData(0.1, 1.0, -1, "steps")]
    public void ComputeRdp_InvalidArgument_ThrowsNamingIt(double q, double sigma, int steps, string parameter)
    {
        Assert.Throws<ArgumentOutOfRangeException>(parameter, () => Rdp.ComputeRdp(q, sigma, steps, Rdp.DefaultOrders));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    public void ComputeRdp_OrderNotAboveOne_Throws(double order)
    {
        Assert.Throws<ArgumentOutOfRangeException>("orders", () => Rdp.ComputeRdp(0.1, 1.0, 1, [2.0, order]));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-1e-5)]
    [InlineData(double.NaN)]
    public void GetPrivacySpent_DeltaOutsideOpenUnitInterval_Throws(double invalidDelta)
    {
        Assert.Throws<ArgumentOutOfRangeException>("delta", () => Rdp.GetPrivacySpent([2.0], [0.1], invalidDelta));
    }
}
