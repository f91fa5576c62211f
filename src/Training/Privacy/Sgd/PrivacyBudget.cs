using FineTune.Privacy;

namespace FineTune.Training.Privacy.Sgd;

/// <summary>
/// Answers "would one more step spend more than the target epsilon?" cheaply enough to ask before every step, so
/// a run stops before, never after, the step that crosses its budget. Assumes every step uses the same (σ, q), as
/// a run with a fixed noise multiplier and sampler does.
/// </summary>
/// <remarks>
/// Under RDP, T identical steps cost T times one step's RDP, so epsilon after T steps is one pass over the orders
/// with the per-step vector computed once, the same arithmetic as <see cref="RdpAccountant"/>. Other mechanisms
/// (PRV takes ~100 ms per evaluation) are asked only once, lazily: the largest step count within budget is found
/// by a search that starts at the RDP answer (RDP is the looser bound, so PRV's limit usually lies just above it)
/// and gallops then bisects on the mechanism's own epsilon, which grows with the step count. Every later call is a
/// comparison.
/// </remarks>
public sealed class PrivacyBudget
{
    private readonly double[] _perStepRdp;
    private long? _maxSteps;

    /// <summary>Creates a budget check for a run.</summary>
    /// <param name="noiseMultiplier">σ of every step, finite and &gt;= 0.</param>
    /// <param name="sampleRate">Poisson rate q of every step, in [0, 1].</param>
    /// <param name="delta">Target delta, in (0, 1).</param>
    /// <param name="targetEpsilon">The budget, &gt; 0.</param>
    /// <param name="accountant">The run's mechanism, one of <see cref="PrivacyAccountants.Mechanisms"/>.</param>
    public PrivacyBudget(double noiseMultiplier, double sampleRate, double delta, double targetEpsilon, string accountant = PrivacyAccountants.RdpMechanism)
    {
        PrivacyArguments.NoiseMultiplier(noiseMultiplier);
        PrivacyArguments.SampleRate(sampleRate);
        PrivacyArguments.Delta(delta);
        PrivacyArguments.Positive(targetEpsilon);
        PrivacyAccountants.ThrowIfUnknown(accountant);
        NoiseMultiplier = noiseMultiplier;
        SampleRate = sampleRate;
        Delta = delta;
        TargetEpsilon = targetEpsilon;
        Accountant = accountant;
        _perStepRdp = Rdp.ComputeRdp(sampleRate, noiseMultiplier, 1, Rdp.DefaultOrders);
    }

    /// <summary>σ of every step.</summary>
    public double NoiseMultiplier { get; }

    /// <summary>q of every step.</summary>
    public double SampleRate { get; }

    /// <summary>Target delta.</summary>
    public double Delta { get; }

    /// <summary>The epsilon not to exceed.</summary>
    public double TargetEpsilon { get; }

    /// <summary>The mechanism whose epsilon is compared with the target.</summary>
    public string Accountant { get; }

    /// <summary>
    /// The largest step count whose epsilon stays within the target (<see cref="int.MaxValue"/> when the budget
    /// never runs out, 0 when even one step exceeds it). The first read may evaluate the mechanism a few dozen times.
    /// </summary>
    public long MaxSteps => _maxSteps ??= FindMaxSteps();

    /// <summary>Whether spending <paramref name="stepCount"/> steps in total would exceed the target.</summary>
    /// <param name="stepCount">Total steps after the step about to be taken (steps done + 1), &gt;= 0.</param>
    public bool WouldExceed(long stepCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
        if (stepCount == 0)
        {
            return false;
        }
        if (Accountant == PrivacyAccountants.RdpMechanism)
        {
            return RdpEpsilon(stepCount) > TargetEpsilon;
        }
        return stepCount > MaxSteps;
    }

    /// <summary>Epsilon after <paramref name="stepCount"/> steps under <see cref="Accountant"/> (exact, maybe slow).</summary>
    /// <param name="stepCount">Total steps, in [0, <see cref="int.MaxValue"/>].</param>
    public double EpsilonAfter(long stepCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stepCount, int.MaxValue);
        if (Accountant == PrivacyAccountants.RdpMechanism)
        {
            return stepCount == 0 ? 0 : RdpEpsilon(stepCount);
        }
        IPrivacyAccountant accountant = PrivacyAccountants.Create(Accountant);
        accountant.Step(NoiseMultiplier, SampleRate, (int)stepCount);
        return accountant.GetEpsilon(Delta);
    }

    private double RdpEpsilon(long stepCount)
    {
        var total = new double[_perStepRdp.Length];
        for (int k = 0; k < total.Length; k++)
        {
            total[k] = _perStepRdp[k] * stepCount;
        }
        return Rdp.GetPrivacySpent(Rdp.DefaultOrders, total, Delta).Epsilon;
    }

    private long FindMaxSteps()
    {
        long rdpLimit = LargestWithin(RdpEpsilon, 1);
        // An unlimited RDP budget (q = 0, or huge σ) is unlimited for the tighter mechanisms too, and PRV cannot
        // even build its grid for 2³¹ steps.
        if (Accountant == PrivacyAccountants.RdpMechanism || rdpLimit == int.MaxValue)
        {
            return rdpLimit;
        }
        return LargestWithin(EpsilonAfter, Math.Max(1, rdpLimit));
    }

    // The largest T in [0, int.MaxValue] with epsilon(T) <= target, for epsilon non-decreasing in T: gallop from
    // the guess to bracket the limit, then bisect, keeping epsilon(low) <= target < epsilon(high).
    private long LargestWithin(Func<long, double> epsilon, long guess)
    {
        long low;
        long high;
        if (epsilon(guess) <= TargetEpsilon)
        {
            low = guess;
            high = Math.Min(int.MaxValue, guess * 2);
            while (epsilon(high) <= TargetEpsilon)
            {
                if (high == int.MaxValue)
                {
                    return int.MaxValue;
                }
                low = high;
                high = Math.Min(int.MaxValue, high * 2);
            }
        }
        else
        {
            low = 0;
            high = guess;
        }
        while (high - low > 1)
        {
            long middle = low + ((high - low) / 2);
            if (epsilon(middle) <= TargetEpsilon)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }
}
