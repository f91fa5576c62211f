using System.Text.Json.Nodes;
using FineTune.Testing;
using Xunit.Abstractions;

namespace FineTune.Privacy.Tests;

/// <summary>
/// The accountants against tests/fixtures/dp_reference_grid.json, made by tools/reference/dp_reference_grid.py: an
/// independent numpy implementation (its PRV mean integrates over the Gaussian sample, its epsilon is a root found
/// by bisection) over sigma in [0.3, 10], q in [1e-5, 1], T in [1, 1e6], delta in [1e-10, 0.1] and its 16 corners,
/// and for q = 1 the exact Gaussian-mechanism epsilon. Issue 15 asks for RDP within 0.5% and PRV within 2% of Opacus.
/// </summary>
public sealed class ReferenceGridTests(ITestOutputHelper output)
{
    private const double RdpRelativeTolerance = 0.005;
    private const double PrvRelativeTolerance = 0.02;

    private static readonly Lazy<JsonArray> s_cases = new(() =>
        JsonNode.Parse(File.ReadAllText(RepoPaths.Fixture("dp_reference_grid.json")))!["cases"]!.AsArray());

    public static TheoryData<int> RdpCases => Indices(_ => true);

    // Cases whose PRV grid the reference left out as too large have no PRV value.
    public static TheoryData<int> PrvCases => Indices(c => c["prv"] is not null);

    [Theory]
    [MemberData(nameof(RdpCases))]
    public void Rdp_GridCase_WithinHalfPercentOfReference(int index)
    {
        JsonNode c = s_cases.Value[index]!;
        var accountant = new RdpAccountant();
        accountant.Step(c["noise_multiplier"]!.GetValue<double>(), c["sample_rate"]!.GetValue<double>(), c["steps"]!.GetValue<int>());

        double epsilon = accountant.GetEpsilon(c["delta"]!.GetValue<double>());

        double expected = c["rdp"]!.GetValue<double>();
        output.WriteLine($"{c.ToJsonString()}: RDP {epsilon:R}");
        AssertClose(expected, epsilon, RdpRelativeTolerance);
    }

    // Cases with q = 1, where the fixture holds the exact epsilon of the Gaussian mechanism (a closed form).
    public static TheoryData<int> GaussianCases => Indices(c => c["gaussian_exact"] is not null);

    // PRV's upper bound may not undercut the exact epsilon, and lies within 2% plus its error bar (0.01, or 0.1% of
    // epsilon) above it. T = 1e6 at delta 1e-10 is where the FFT's rounding noise (about T times the unit roundoff
    // per frequency) reaches delta: there the accountant refuses, naming the noise, rather than answer.
    [Theory]
    [MemberData(nameof(GaussianCases))]
    public void Prv_GaussianCase_BoundsExactEpsilonWithinTwoPercent(int index)
    {
        JsonNode c = s_cases.Value[index]!;
        int steps = c["steps"]!.GetValue<int>();
        double delta = c["delta"]!.GetValue<double>();
        var accountant = new PrvAccountant();
        accountant.Step(c["noise_multiplier"]!.GetValue<double>(), 1.0, steps);

        double exact = c["gaussian_exact"]!.GetValue<double>();
        if (steps >= 1_000_000 && delta <= 1e-10)
        {
            var refusal = Assert.Throws<InvalidOperationException>(() => accountant.GetEpsilon(delta));
            Assert.StartsWith("The FFT's rounding noise", refusal.Message, StringComparison.Ordinal);
            output.WriteLine($"{c.ToJsonString()}: refused: {refusal.Message}");
            return;
        }

        double epsilon = accountant.GetEpsilon(delta);
        output.WriteLine($"{c.ToJsonString()}: PRV {epsilon:R}");
        double errorBar = Math.Max(PrvAccountant.DefaultAbsoluteEpsilonError, PrvAccountant.RelativeEpsilonError * Math.Abs(exact));
        Assert.InRange(epsilon, exact - 1e-6 * Math.Max(1.0, Math.Abs(exact)), exact + PrvRelativeTolerance * Math.Abs(exact) + errorBar + 1e-9);
    }

    [Theory]
    [MemberData(nameof(PrvCases))]
    public void Prv_GridCase_WithinTwoPercentOfReference(int index)
    {
        JsonNode c = s_cases.Value[index]!;
        var accountant = new PrvAccountant();
        accountant.Step(c["noise_multiplier"]!.GetValue<double>(), c["sample_rate"]!.GetValue<double>(), c["steps"]!.GetValue<int>());

        double epsilon = accountant.GetEpsilon(c["delta"]!.GetValue<double>());

        double expected = c["prv"]!.GetValue<double>();
        output.WriteLine($"{c.ToJsonString()}: PRV {epsilon:R}");
        AssertClose(expected, epsilon, PrvRelativeTolerance);
    }

    // Relative to |expected|: with delta 0.1 epsilon can come out below 0 (as in Opacus), and the sign must match too.
    private static void AssertClose(double expected, double actual, double relativeTolerance)
    {
        double allowed = relativeTolerance * Math.Abs(expected) + 1e-9;
        Assert.InRange(actual, expected - allowed, expected + allowed);
    }

    private static TheoryData<int> Indices(Func<JsonNode, bool> predicate)
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < s_cases.Value.Count; i++)
        {
            if (predicate(s_cases.Value[i]!))
            {
                data.Add(i);
            }
        }

        return data;
    }
}
