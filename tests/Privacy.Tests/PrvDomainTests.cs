
namespace FineTune.Privacy.Tests;

public sealed class PrvDomainTests
{
    [Fact]
    public void CreateAligned_SymmetricBounds_GivesSymmetricEvenGridPlusOnePoint()
    {
        PrvDomain domain = PrvDomain.CreateAligned(-1.05, 1.05, 0.1);

        Assert.Equal(24, domain.Size);
        Assert.Equal(-1.1, domain.TMin, 1e-12);
        Assert.Equal(1.2, domain.TMax, 1e-12);
        Assert.Equal(0.1, domain.Dt, 1e-12);
        Assert.Equal(0.0, domain.Shifts);
    }

    [Fact]
    public void Points_Grid_StartsAtTMinAndEndsExactlyAtTMax()
    {
        PrvDomain domain = PrvDomain.CreateAligned(-12.769243935874519, 12.769243935874519, 6.52212447086833e-05);

        double[] points = domain.Points();

        Assert.Equal(391570, points.Length);
        Assert.Equal(domain.TMin, points[0]);
        Assert.Equal(domain.TMax, points[^1]);
        Assert.Equal(0.0, points[(points.Length - 2) / 2], 1e-12);
    }

    [Fact]
    public void ShiftRight_Twice_AccumulatesShifts()
    {
        PrvDomain domain = PrvDomain.CreateAligned(-1.0, 1.0, 0.5);

        PrvDomain shifted = domain.ShiftRight(0.01).ShiftRight(0.02);

        Assert.Equal(domain.TMin + 0.03, shifted.TMin, 1e-15);
        Assert.Equal(0.03, shifted.Shifts, 1e-15);
        Assert.Equal(domain.Size, shifted.Size);
    }
}
