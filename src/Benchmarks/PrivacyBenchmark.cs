using System.Diagnostics;
using FineTune.Privacy;

namespace FineTune.Benchmarks;

/// <summary>
/// Wall time, CPU time and result of <c>privacy epsilon</c> and <c>privacy noise</c> on the cases of issue 15 and the
/// 16 corners of its range (sigma 0.3 / 10, q 1e-5 / 1, T 1 / 1e6, delta 1e-10 / 0.1), for the RDP and PRV
/// accountants, each run once in this process after a small warm-up (so JIT compilation is not counted). At each
/// corner the noise calibration aims at the epsilon PRV gave there, so it should find about the corner's sigma.
/// </summary>
internal static class PrivacyBenchmark
{
    // (sigma, q, T, delta): the case PRV used to refuse, the Opacus test cases, corners of the supported range, and
    // the reference grid's cases whose one-shot process took the most CPU (1.1-1.3 s with .NET's start, under load)
    // or whose epsilon is largest (58,640).
    private static readonly (double Sigma, double SampleRate, int Steps, double Delta)[] s_epsilonCases =
    [
        (0.5, 0.1, 10, 1e-6),
        (1.5, 0.04, 2249, 1e-5),
        (0.8, 0.00512, 5859, 1e-5),
        (1.5, 0.05, 50000, 1e-6),
        (0.3, 0.01, 1000, 1e-10),
        (1.0, 1e-5, 1_000_000, 1e-5),
        (10.0, 1.0, 1_000_000, 1e-10),
        (1.0, 0.01, 100_000, 0.1),
        (0.5, 0.001, 100_000, 1e-10),
        (0.5, 0.001, 1_000_000, 1e-5),
        (1.0, 0.001, 1_000_000, 1e-10),
        (0.5, 0.1, 1_000_000, 0.1),
    ];

    // (target epsilon, q, T, delta): the two calibrations that ran past 300 s with PRV, and Opacus's test case.
    private static readonly (double Epsilon, double SampleRate, int Steps, double Delta)[] s_noiseCases =
    [
        (8.0, 0.00512, 5859, 1e-5),
        (50.0, 0.05, 1000, 1e-5),
        (8.0, 0.04, 2250, 1e-5),
    ];

    private static readonly (double Sigma, double SampleRate, int Steps, double Delta)[] s_corners =
        [.. from sigma in new[] { 0.3, 10.0 }
            from q in new[] { 1e-5, 1.0 }
            from steps in new[] { 1, 1_000_000 }
            from delta in new[] { 1e-10, 0.1 }
            select (sigma, q, steps, delta)];

    private static readonly string[] s_accountants = [PrivacyAccountants.RdpMechanism, PrivacyAccountants.PrvMechanism];

    public static IReadOnlyList<PrivacyBenchmarkRow> Run()
    {
        Epsilon(PrivacyAccountants.PrvMechanism, 1.0, 0.01, 10, 1e-5);
        NoiseCalibration.GetNoiseMultiplier(1.0, 1e-5, 0.01, 10, PrivacyAccountants.RdpMechanism);

        var rows = new List<PrivacyBenchmarkRow>();
        foreach ((double sigma, double q, int steps, double delta) in s_epsilonCases.Concat(s_corners))
        {
            foreach (string accountant in s_accountants)
            {
                rows.Add(Time("epsilon", accountant, sigma, q, steps, delta, () => Epsilon(accountant, sigma, q, steps, delta)));
            }
        }

        var noiseCases = s_noiseCases.ToList();
        foreach ((double sigma, double q, int steps, double delta) in s_corners)
        {
            PrivacyBenchmarkRow prv = rows.First(r => r.Command == "epsilon" && r.Accountant == PrivacyAccountants.PrvMechanism
                && r.Input == sigma && r.SampleRate == q && r.Steps == steps && r.Delta == delta);
            if (prv.Error is null && prv.Result > 0)
            {
                noiseCases.Add((prv.Result, q, steps, delta));
            }
        }

        foreach ((double epsilon, double q, int steps, double delta) in noiseCases)
        {
            foreach (string accountant in s_accountants)
            {
                rows.Add(Time("noise", accountant, epsilon, q, steps, delta, () =>
                    NoiseCalibration.GetNoiseMultiplier(epsilon, delta, q, steps, accountant)));
            }
        }

        return rows;
    }

    private static double Epsilon(string mechanism, double sigma, double q, int steps, double delta)
    {
        IPrivacyAccountant accountant = PrivacyAccountants.Create(mechanism);
        accountant.Step(sigma, q, steps);
        return accountant.GetEpsilon(delta);
    }

    // A case that fails is reported with its error rather than ending the benchmark.
    private static PrivacyBenchmarkRow Time(
        string command,
        string accountant,
        double input,
        double q,
        int steps,
        double delta,
        Func<double> run)
    {
        // CPU time beside wall time: on a shared machine the wall clock also counts other processes' turns.
        TimeSpan cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        double result = double.NaN;
        string? error = null;
        try
        {
            result = run();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            error = e.Message;
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
        return new PrivacyBenchmarkRow(command, accountant, input, q, steps, delta, result, seconds, cpuSeconds, error);
    }
}

/// <summary>
/// One timed call of <c>finetune bench privacy</c>: for <c>epsilon</c>, Input is sigma and Result epsilon; for
/// <c>noise</c>, Input is the target epsilon and Result sigma.
/// </summary>
internal sealed record PrivacyBenchmarkRow(
    string Command,
    string Accountant,
    double Input,
    double SampleRate,
    int Steps,
    double Delta,
    double Result,
    double Seconds,
    double CpuSeconds,
    string? Error);
