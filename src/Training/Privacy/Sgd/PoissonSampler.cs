namespace FineTune.Training.Privacy.Sgd;

/// <summary>
/// Poisson sampling for DP-SGD (opacus's <c>UniformWithReplacementSampler</c>): in every logical step each unit
/// (a record under record-level DP, an entity with all its records under entity-level DP) joins the batch
/// independently with probability q = expected batch size / number of units. Batch sizes therefore vary, and an
/// empty batch is legal; the accountants' amplification-by-subsampling bound assumes exactly this.
/// </summary>
/// <remarks>
/// Randomness is counter-based, so a batch is a pure function of (seed, step): resuming needs only the step number,
/// and no generator state is carried between steps. Unit i joins step t when
/// u = Mix(k_t + (i + 1)·γ) / 2⁶⁴ &lt; q, where k_t = Mix(Mix(seed) + (t + 1)·γ), Mix is SplitMix64's finaliser
/// (Steele, Lea and Flood 2014, "Fast splittable pseudorandom number generators") and γ its golden-ratio
/// increment, i.e. each step reads its own SplitMix64 stream keyed by the seed's stream. u keeps 53 bits, so the
/// probability is q to within 2⁻⁵³. The seed comes from the OS CSPRNG unless one is given (tests), and should be
/// recorded with the run. The logical batch is then cut into micro-batches by the caller to bound memory.
/// </remarks>
public sealed class PoissonSampler
{
    private const ulong Gamma = 0x9E3779B97F4A7C15;
    private const double TwoToMinus53 = 1.0 / (1UL << 53);
    private readonly ulong _streamKey;

    /// <summary>Creates a sampler over <paramref name="count"/> units.</summary>
    /// <param name="count">Number of units (records or entities), at least 1.</param>
    /// <param name="expectedBatchSize">Mean logical batch size, in (0, count].</param>
    /// <param name="seed">Fixed seed (tests, replays); null draws one from the OS CSPRNG.</param>
    public PoissonSampler(int count, double expectedBatchSize, long? seed = null)
        : this(seed, count, expectedBatchSize / count)
    {
        if (!double.IsFinite(expectedBatchSize) || expectedBatchSize <= 0 || expectedBatchSize > count)
        {
            throw new ArgumentOutOfRangeException(nameof(expectedBatchSize), expectedBatchSize, $"the expected batch size must lie in (0, {count}], the number of units");
        }
        ExpectedBatchSize = expectedBatchSize;
    }

    private PoissonSampler(long? seed, int count, double sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Count = count;
        SampleRate = sampleRate;
        ExpectedBatchSize = sampleRate * count;
        Seed = seed ?? SecureSeed.Next();
        _streamKey = Mix(unchecked((ulong)Seed));
    }

    /// <summary>
    /// A sampler whose rate is given rather than derived from the unit count: a privacy audit's canaries change the
    /// count by a secret amount, and the rate must not (docs/privacy.md).
    /// </summary>
    /// <param name="count">Number of units, at least 1.</param>
    /// <param name="sampleRate">q, in (0, 1].</param>
    /// <param name="seed">Fixed seed (tests, replays); null draws one from the OS CSPRNG.</param>
    public static PoissonSampler AtRate(int count, double sampleRate, long? seed = null)
    {
        if (!(sampleRate > 0 && sampleRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "the sample rate must lie in (0, 1]");
        }
        return new PoissonSampler(seed, count, sampleRate);
    }

    /// <summary>Number of units sampled from.</summary>
    public int Count { get; }

    /// <summary>Mean batch size, q · <see cref="Count"/>.</summary>
    public double ExpectedBatchSize { get; }

    /// <summary>The Poisson rate q each unit joins a batch with; the accountant is charged at this rate.</summary>
    public double SampleRate { get; }

    /// <summary>The seed of every batch; record it with the run.</summary>
    public long Seed { get; }

    /// <summary>The step <see cref="NextBatch"/> samples next; set it to resume from a checkpoint.</summary>
    public long Position { get; set; }

    /// <summary>The batch of step <see cref="Position"/>, then advances it.</summary>
    public int[] NextBatch() => Sample(Position++);

    /// <summary>The indices (ascending, possibly none) of the units in the logical batch of a step.</summary>
    /// <param name="step">Zero-based logical step; the same (seed, step) always gives the same batch.</param>
    public int[] Sample(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ulong stepKey = Mix(unchecked(_streamKey + ((ulong)step + 1) * Gamma));
        var batch = new List<int>((int)Math.Min(Count, Math.Ceiling(ExpectedBatchSize * 1.5) + 16));
        ulong state = stepKey;
        for (int i = 0; i < Count; i++)
        {
            state = unchecked(state + Gamma);
            double u = (Mix(state) >> 11) * TwoToMinus53; // in [0, 1)
            if (u < SampleRate)
            {
                batch.Add(i);
            }
        }
        return batch.ToArray();
    }

    // SplitMix64's output function (Stafford's Mix13 variant), a bijection on 64 bits with full avalanche.
    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }
    }
}
