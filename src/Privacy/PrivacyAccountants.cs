using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace FineTune.Privacy;

/// <summary>Creates accountants by their stable mechanism names.</summary>
public static class PrivacyAccountants
{
    /// <summary>Renyi DP accountant (<see cref="RdpAccountant"/>).</summary>
    public const string RdpMechanism = "rdp";

    /// <summary>Privacy-loss random variable accountant (<see cref="PrvAccountant"/>).</summary>
    public const string PrvMechanism = "prv";

    /// <summary>Gaussian DP (central limit) accountant (<see cref="GdpAccountant"/>).</summary>
    public const string GdpMechanism = "gdp";

    /// <summary>Every accepted mechanism name.</summary>
    public static IReadOnlyList<string> Mechanisms { get; } = [RdpMechanism, PrvMechanism, GdpMechanism];

    /// <summary>A new, empty accountant for <paramref name="mechanism"/> with default settings.</summary>
    /// <param name="mechanism">One of <see cref="Mechanisms"/> (exact, lower case).</param>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Mechanisms"/>.</exception>
    public static IPrivacyAccountant Create(string mechanism)
    {
        ThrowIfUnknown(mechanism);
        return mechanism switch
        {
            RdpMechanism => new RdpAccountant(),
            PrvMechanism => new PrvAccountant(),
            GdpMechanism => new GdpAccountant(),
            _ => throw new UnreachableException(),
        };
    }

    /// <summary>Throws <see cref="ArgumentException"/>, naming the accepted values, for an unknown name.</summary>
    public static void ThrowIfUnknown(
        string mechanism,
        [CallerArgumentExpression(nameof(mechanism))] string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(mechanism, paramName);
        if (!Mechanisms.Contains(mechanism, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Unknown privacy accountant '{mechanism}'. Accepted values: {string.Join(", ", Mechanisms)}."),
                paramName);
        }
    }
}
