using System.Text.Json.Nodes;
using FineTune.Testing;
using Xunit.Abstractions;

namespace FineTune.Privacy.Tests;

/// <summary>
/// The accountants against tests/fixtures/dp_reference_grid.json, made by tools/reference/dp_reference_grid.py: an
/// independent numpy implementation (its PRV mean integrates over the Gaussian sample, its epsilon is a root found
/// by bisection) over sigma in [0.3, 10], q in [1e-5, 1], T in [1, 1e6], delta in [1e-10, 0.1] and its 16 corners,
/// and for q = 1 the exact Gaussian-mechanism epsilon. Where its plain grid would be too large (q &lt; 1, T up to 1e6,
/// epsilon up to 3e4) the fixture holds instead a bracket [prv_lower, prv_upper] of the true epsilon from a second
/// method (tools/reference/dp_tilted_prv.py: exponentially tilted composition with stated error bounds). Issue 15
/// asks for RDP within 0.5% and PRV within 2% of Opacus.
/// </summary>
public sealed class ReferenceGridTests(ITestOutputHelper output)
{
    private const double RdpRelativeTolerance = 0.005;
    private const double PrvRelativeTolerance = 0.02;

    private static readonly Lazy<JsonArray> s_cases = new(() =>
        JsonNode.Parse(File.ReadAllText(RepoPaths.Fixture("dp_reference_grid.json")))!["cases"]!.AsArray());

    public static TheoryData<int> RdpCases => Indices(_ => true);

    // Cases with q = 1 have an exact epsilon, which the accountant returns (Prv_GaussianCase_MatchesExactEpsilon);
    // the reference's grid value lies its error bar (0.01) above it, more than 2% where epsilon is near 0 (sigma 10,
    // T 1, delta 0.1: -0.086 vs -0.096). Cases too large for the reference's plain grid have a bracket instead.
    public static TheoryData<int> PrvCases => Indices(c => c["prv"] is not null && c["gaussian_exact"] is null);

    public static TheoryData<int> PrvBracketCases => Indices(c => c["prv_upper"] is not null);

    // Every q < 1 case has a PRV reference, a value or a bracket: none is left out as too large.
    [Fact]
    public void Fixture_EveryCaseWithSamplingBelowOne_HasPrvReference()
    {
        Assert.All(
            s_cases.Value.Where(c => c!["sample_rate"]!.GetValue<double>() < 1.0),
            c => Assert.True(c!["prv"] is not null || c["prv_upper"] is not null, c.ToJsonString()));
    }

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

    // With q = 1 the accountant solves the Gaussian mechanism's curve instead of discretising it, so it meets the
    // reference's closed form (bisected to 1e-12) at every corner, T = 1e6 at delta 1e-10 included, where an FFT's
    // rounding noise (about T times the unit roundoff per frequency) would reach delta.
    [Theory]
    [MemberData(nameof(GaussianCases))]
    public void Prv_GaussianCase_MatchesExactEpsilon(int index)
    {
        JsonNode c = s_cases.Value[index]!;
        var accountant = new PrvAccountant();
        accountant.Step(c["noise_multiplier"]!.GetValue<double>(), 1.0, c["steps"]!.GetValue<int>());

        double epsilon = accountant.GetEpsilon(c["delta"]!.GetValue<double>());

        double exact = c["gaussian_exact"]!.GetValue<double>();
        output.WriteLine($"{c.ToJsonString()}: PRV {epsilon:R}");
        Assert.Equal(exact, epsilon, 1e-9 * Math.Max(1.0, Math.Abs(exact)));
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

    // The bracket holds the true epsilon (the reference's discretisation and FFT errors are counted in it, 0.2% of
    // epsilon or 0.01 either side); the accountant's value is an upper bound on the true epsilon, so it may not lie
    // below the bracket at all, and may lie at most 2% above it (its own error bar is 0.1% of epsilon or wider).
    [Theory]
    [MemberData(nameof(PrvBracketCases))]
    public void Prv_LargeGridCase_WithinTwoPercentOfReferenceBracket(int index)
    {
        JsonNode c = s_cases.Value[index]!;
        var accountant = new PrvAccountant();
        accountant.Step(c["noise_multiplier"]!.GetValue<double>(), c["sample_rate"]!.GetValue<double>(), c["steps"]!.GetValue<int>());

        double epsilon = accountant.GetEpsilon(c["delta"]!.GetValue<double>());

        double lower = c["prv_lower"]!.GetValue<double>();
        double upper = c["prv_upper"]!.GetValue<double>();
        output.WriteLine($"{c.ToJsonString()}: PRV {epsilon:R}, {(epsilon - lower) / (upper - lower):F3} of the way up the bracket");
        Assert.InRange(epsilon, lower, upper + PrvRelativeTolerance * Math.Abs(upper));
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
