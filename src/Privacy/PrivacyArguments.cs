using System.Runtime.CompilerServices;

namespace FineTune.Privacy;

/// <summary>
/// Argument checks shared by the accountants. Each throws <see cref="ArgumentOutOfRangeException"/> naming the
/// caller's parameter, and each rejects NaN explicitly (NaN slips through ordinary range comparisons).
/// </summary>
public static class PrivacyArguments
{
    /// <summary>Requires a Poisson sampling rate in [0, 1].</summary>
    public static void SampleRate(double value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (double.IsNaN(value) || value < 0.0 || value > 1.0)
        {
            throw new ArgumentOutOfRangeException(paramName, value, "The sample rate must lie in [0, 1].");
        }
    }

    /// <summary>Requires a finite, non-negative noise multiplier.</summary>
    public static void NoiseMultiplier(double value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (!double.IsFinite(value) || value < 0.0)
        {
            throw new ArgumentOutOfRangeException(paramName, value, "The noise multiplier must be finite and >= 0.");
        }
    }

    /// <summary>Requires a non-negative step count.</summary>
    public static void Steps(int value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value, paramName);
    }

    /// <summary>Requires 0 &lt; delta &lt; 1.</summary>
    public static void Delta(double value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (double.IsNaN(value) || value <= 0.0 || value >= 1.0)
        {
            throw new ArgumentOutOfRangeException(paramName, value, "Delta must lie in the open interval (0, 1).");
        }
    }

    /// <summary>Requires a finite value strictly greater than zero.</summary>
    public static void Positive(double value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (!double.IsFinite(value) || value <= 0.0)
        {
            throw new ArgumentOutOfRangeException(paramName, value, "The value must be finite and > 0.");
        }
    }
}
