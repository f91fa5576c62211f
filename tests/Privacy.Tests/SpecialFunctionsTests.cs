
namespace FineTune.Privacy.Tests;

public sealed class SpecialFunctionsTests
{
    // Reference values: mpmath at 40 significant digits.
    [Theory]
    [InlineData(-3.0, 1.9999779095030015)]
    [InlineData(-0.5, 1.5204998778130465)]
    [InlineData(0.0, 1.0)]
    [InlineData(0.3, 0.6713732405408726)]
    [InlineData(0.99, 0.1614919304446302)]
    [InlineData(1.0, 0.15729920705028513)]
    [InlineData(1.5, 0.033894853524689274)]
    [InlineData(2.5, 0.0004069520174449589)]
    [InlineData(5.0, 1.537459794428035e-12)]
    [InlineData(10.0, 2.088487583762545e-45)]
    [InlineData(26.0, 5.663192408856143e-296)]
    public void Erfc_Argument_MatchesHighPrecisionWithin2e15Relative(double x, double expected)
    {
        double actual = SpecialFunctions.Erfc(x);

        Assert.Equal(expected, actual, Math.Abs(expected) * 2e-15);
    }

    [Theory]
    [InlineData(30.0, -903.9741171106439)]
    [InlineData(100.0, -10005.177585122665)]
    public void LogErfc_BeyondUnderflow_MatchesHighPrecision(double x, double expected)
    {
        double actual = SpecialFunctions.LogErfc(x);

        Assert.Equal(expected, actual, Math.Abs(expected) * 1e-15);
    }

    [Fact]
    public void LogErfc_ModerateArgument_EqualsLogOfErfc()
    {
        Assert.Equal(Math.Log(0.033894853524689274), SpecialFunctions.LogErfc(1.5), 1e-15);
    }

    [Theory]
    [InlineData(1e-10, 9.999999999500001e-11, 1.00000000005e-10)]
    [InlineData(-1e-10, -1.00000000005e-10, -9.999999999500001e-11)]
    [InlineData(0.5, 0.4054651081081644, 0.6487212707001282)]
    public void Log1PAndExpM1_SmallArguments_KeepFullPrecision(double x, double log1P, double expM1)
    {
        Assert.Equal(log1P, SpecialFunctions.Log1P(x), Math.Abs(log1P) * 1e-15);
        Assert.Equal(expM1, SpecialFunctions.ExpM1(x), Math.Abs(expM1) * 1e-15);
    }

    [Fact]
    public void LogAdd_OneTermZero_ReturnsOther()
    {
        Assert.Equal(3.0, SpecialFunctions.LogAdd(double.NegativeInfinity, 3.0));
    }

    [Fact]
    public void LogSub_LargerSubtrahend_Throws()
    {
        Assert.Throws<ArgumentException>(() => SpecialFunctions.LogSub(1.0, 2.0));
    }

    // The Taylor table against the continued fraction it replaces, at points between and on its nodes: the
    // fraction's own rounding over up to 190 terms wanders by about 2e-15 from point to point, the table is smooth.
    [Fact]
    public void ScaledErfc_Table_MatchesContinuedFractionWithin5e15Relative()
    {
        double worst = 0.0;
        for (double x = 1.0; x < 30.0; x += 0.00731)
        {
            double expected = SpecialFunctions.ScaledErfcByContinuedFraction(x);
            worst = Math.Max(worst, Math.Abs(SpecialFunctions.ScaledErfc(x) - expected) / expected);
        }

        Assert.True(worst < 5e-15, $"worst relative difference {worst:E2}");
    }
}
