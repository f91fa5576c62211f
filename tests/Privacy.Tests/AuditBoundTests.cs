using System.Text.Json.Nodes;
using FineTune.Testing;

namespace FineTune.Privacy.Tests;

/// <summary>
/// <see cref="AuditBound"/> against tests/fixtures/dp_audit_bound.json, made by tools/reference/dp_audit_bound.py
/// with exact integer binomials and 60-digit decimals (the C# sums in doubles, in log space).
/// </summary>
public class AuditBoundTests
{
    private static readonly Lazy<JsonArray> s_cases = new(() =>
        JsonNode.Parse(File.ReadAllText(RepoPaths.Fixture("dp_audit_bound.json")))!["cases"]!.AsArray());

    public static TheoryData<int> Cases()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < s_cases.Value.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EpsilonLowerBound_MatchesReference(int index)
    {
        JsonNode c = s_cases.Value[index]!;

        double bound = AuditBound.EpsilonLowerBound(
            c["guesses"]!.GetValue<int>(), c["correct"]!.GetValue<int>(), c["beta"]!.GetValue<double>());

        double expected = c["epsilon"]!.GetValue<double>();
        Assert.InRange(bound, expected - (1e-9 * Math.Max(1, expected)), expected + (1e-9 * Math.Max(1, expected)));
    }

    [Fact]
    public void EpsilonLowerBound_MoreCorrectGuessesNeverLowerTheBound()
    {
        double previous = 0;
        for (int correct = 0; correct <= 300; correct++)
        {
            double bound = AuditBound.EpsilonLowerBound(300, correct, 0.05);
            Assert.True(bound >= previous, $"bound fell from {previous} to {bound} at {correct} correct");
            previous = bound;
        }

        Assert.True(previous > 2, $"300 of 300 correct should rule out epsilon 2, got {previous}");
    }

    [Theory]
    [InlineData(-1, 0, 0.05)]
    [InlineData(10, 11, 0.05)]
    [InlineData(10, -1, 0.05)]
    [InlineData(10, 5, 0.0)]
    [InlineData(10, 5, 1.0)]
    [InlineData(10, 5, double.NaN)]
    public void EpsilonLowerBound_RejectsInputsOutsideTheMath(int guesses, int correct, double beta) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AuditBound.EpsilonLowerBound(guesses, correct, beta));
}
