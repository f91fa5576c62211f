namespace FineTune.Privacy;

/// <summary>
/// The evenly spaced grid of privacy-loss values on which PRVs are discretised: <see cref="Size"/> points from
/// <see cref="TMin"/> to <see cref="TMax"/>. <see cref="Shifts"/> accumulates the mean corrections applied by
/// discretisation and composition (Gopi, Lee and Wutschitz 2021, section 5).
/// </summary>
/// <param name="TMin">First grid point.</param>
/// <param name="TMax">Last grid point.</param>
/// <param name="Size">Number of grid points; always even.</param>
/// <param name="Shifts">Total shift applied to a grid that started symmetric and aligned.</param>
internal sealed record PrvDomain(double TMin, double TMax, int Size, double Shifts)
{
    /// <summary>Grid spacing.</summary>
    public double Dt => (TMax - TMin) / (Size - 1);

    /// <summary>
    /// The grid on [floor(tMin / dt) dt, ceil(tMax / dt) dt] with spacing dt, one point appended on the right
    /// when needed to make the size even. For tMin = -tMax the result is K points either side of 0 plus one
    /// extra: TMin = -K dt and Size = 2K + 2, the layout <see cref="PrvComposition"/> relies on.
    /// </summary>
    public static PrvDomain CreateAligned(double tMin, double tMax, double dt)
    {
        double alignedMin = Math.Floor(tMin / dt) * dt;
        double alignedMax = Math.Ceiling(tMax / dt) * dt;
        double sizeAsDouble = Math.Round((alignedMax - alignedMin) / dt) + 1;
        if (sizeAsDouble > int.MaxValue - 1)
        {
            throw new InvalidOperationException("The PRV discretisation grid would exceed int.MaxValue points.");
        }

        int size = (int)sizeAsDouble;
        if (size % 2 == 1)
        {
            size++;
            alignedMax += dt;
        }

        var domain = new PrvDomain(alignedMin, alignedMax, size, 0.0);
        if (Math.Abs(domain.Dt - dt) / dt >= 1e-8)
        {
            throw new InvalidOperationException("The aligned PRV grid spacing drifted from the requested mesh size.");
        }

        return domain;
    }

    /// <summary>The same grid moved right by <paramref name="shift"/>.</summary>
    public PrvDomain ShiftRight(double shift) => new(TMin + shift, TMax + shift, Size, Shifts + shift);

    /// <summary>
    /// The grid points, computed as numpy's <c>linspace</c> does (i * step + TMin, last point exactly TMax) so
    /// results follow Opacus's arithmetic.
    /// </summary>
    public double[] Points()
    {
        var points = new double[Size];
        double step = (TMax - TMin) / (Size - 1);
        for (int i = 0; i < Size; i++)
        {
            points[i] = i * step + TMin;
        }

        points[^1] = TMax;
        return points;
    }
}
