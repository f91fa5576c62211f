using System.Globalization;

namespace FineTune.Contracts.Jobs;

/// <summary>
/// The values one numeric field of a job spec accepts: finite, between <see cref="Min"/> and <see cref="Max"/> (each
/// end open or closed), and whole when <see cref="Integer"/>.
/// </summary>
/// <param name="Min">The lower end.</param>
/// <param name="Max">The upper end.</param>
/// <param name="MinExclusive">Whether <see cref="Min"/> itself is refused.</param>
/// <param name="MaxExclusive">Whether <see cref="Max"/> itself is refused.</param>
/// <param name="Integer">Whether only whole numbers are accepted.</param>
public sealed record FieldBounds(double Min, double Max, bool MinExclusive = false, bool MaxExclusive = false, bool Integer = false)
{
    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, both included.</summary>
    public static FieldBounds Whole(long min, long max) => new(min, max, Integer: true);

    /// <summary>Whether <paramref name="value"/> is finite, in range and (for an integer field) whole.</summary>
    public bool Contains(double value)
    {
        return double.IsFinite(value)
            && (MinExclusive ? value > Min : value >= Min)
            && (MaxExclusive ? value < Max : value <= Max)
            && (!Integer || Math.Floor(value) == value);
    }

    /// <summary>The range as a user reads it: "an integer from 1 to 4096" or "a number in (0, 1]".</summary>
    public string Describe()
    {
        return Integer
            ? $"an integer from {Format(Min)} to {Format(Max)}"
            : $"a number in {(MinExclusive ? "(" : "[")}{Format(Min)}, {Format(Max)}{(MaxExclusive ? ")" : "]")}";
    }

    private static string Format(double value)
    {
        return value.ToString("R", CultureInfo.InvariantCulture);
    }
}
