namespace FineTune.Privacy.Tests;

/// <summary>
/// Every case of dp_published.json is claimed by exactly one test here or is explicitly out of scope, so a case
/// added to the file cannot go untested silently.
/// </summary>
public sealed class PublishedCasesCoverageTests
{
    [Fact]
    public void Cases_Every_IsTestedOrOutOfScope()
    {
        var unclaimed = PublishedDpValues.Cases.Where(c => Classify(c) is null).Select(c => c.ToString()).ToList();

        Assert.Empty(unclaimed);
    }

    [Fact]
    public void Cases_OutOfScope_AreOnlyGooglePldAccounting()
    {
        var outOfScope = PublishedDpValues.Cases.Where(c => Classify(c) == "out of scope: PLD").ToList();

        Assert.Equal(4, outOfScope.Count);
        Assert.All(outOfScope, c => Assert.Contains("pld", c.Description, StringComparison.OrdinalIgnoreCase));
    }

    // Which test class covers a case. PLD (Google's privacy loss distribution accountant) is a different
    // algorithm from PRV and is not implemented here.
    private static string? Classify(PublishedCase c) => c.File switch
    {
        PublishedDpValues.OpacusAccountantTests => ClassifyOpacusAccountantTest(c.Description),
        "opacus/tests/prv_accountant.py" => nameof(PrvAccountantTests),
        "opacus/accountants/analysis/rdp.py" => nameof(RdpTests),
        "python/dp_accounting/dp_accounting/rdp/rdp_privacy_accountant_test.py" => nameof(RdpTests),
        "tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy_test.py" when IsPld(c) => "out of scope: PLD",
        "tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy_test.py" => nameof(TensorFlowPrivacyRdpTests),
        _ => null,
    };

    private static string? ClassifyOpacusAccountantTest(string description)
    {
        bool Starts(string prefix) => description.StartsWith(prefix, StringComparison.Ordinal);

        if (Starts("AccountingTest.test_rdp"))
        {
            return nameof(RdpAccountantTests);
        }

        if (Starts("AccountingTest.test_prv"))
        {
            return nameof(PrvAccountantTests);
        }

        if (Starts("AccountingTest.test_gdp"))
        {
            return nameof(GdpAccountantTests);
        }

        return Starts("test_get_noise_multiplier_") ? nameof(NoiseCalibrationTests) : null;
    }

    private static bool IsPld(PublishedCase c) =>
        c.StringInput("accountant") == "PLD" || c.Description.Contains("(PLD", StringComparison.Ordinal);
}
