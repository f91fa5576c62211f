using System.Security.Cryptography;

namespace FineTune.Training.Privacy.Sgd;

/// <summary>
/// Seeds for the DP randomness (sampling and noise) drawn from the OS CSPRNG, so that no one can predict them from
/// the run's other settings. The seed is recorded with the run; tests pass a fixed one instead.
/// </summary>
internal static class SecureSeed
{
    /// <summary>A uniformly random non-negative 63-bit seed.</summary>
    public static long Next()
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        RandomNumberGenerator.Fill(bytes);
        // Non-negative so the recorded seed reads the same in every tool (JSON, Python, libtorch's uint64).
        return BitConverter.ToInt64(bytes) & long.MaxValue;
    }
}
