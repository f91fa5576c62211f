using FineTune.Contracts.Configs;
using FineTune.Privacy;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Privacy.Sgd;
using FineTune.Training.Privacy.Sgd.PerSampleGrads;

namespace FineTune.Training.Train;

/// <summary>
/// The DP-SGD side of a run: the units (records, or entities with all their records) that Poisson sampling draws,
/// the per-sample gradient capture, the clip-and-noise optimizer wrapper, the accountant it charges once per step,
/// and the budget that ends the run before ε would pass the target.
/// </summary>
internal sealed class DpTraining : IDisposable
{
    private readonly DpLoraCapture _capture;
    private readonly bool _packing;
    private readonly int _maxLength;

    /// <param name="lora">The adapters trained.</param>
    /// <param name="examples">The training data, with the audit's trained canaries (each its own unit) if any.</param>
    /// <param name="config">The run's configuration; its privacy settings must be set.</param>
    /// <param name="plannedSteps">Steps noise calibration plans for.</param>
    /// <param name="auditCanaries">
    /// All canaries of the audit (m, trained on or not; 0 without an audit). The rate is q = B / (n + m) for n user
    /// units: it must not depend on the secret coins, so it counts every canary, and the accountant is charged at it.
    /// </param>
    public DpTraining(LoraModel lora, IReadOnlyList<TokenizedExample> examples, TrainingConfig config, long plannedSteps, int auditCanaries = 0)
    {
        PrivacyConfig privacy = config.Privacy!;
        Units = privacy.EntityLevel
            ? examples.Select((e, i) => (Example: e, Key: e.EntityKey ?? $"record:{i}")).GroupBy(p => p.Key).Select(g => (IReadOnlyList<TokenizedExample>)Pack(g.Select(p => p.Example).ToList(), config.MaxSeqLength)).ToList()
            : examples.Select(e => (IReadOnlyList<TokenizedExample>)[e]).ToList();
        UserUnits = Units.Count(unit => !unit[0].IsCanary);
        int population = UserUnits + auditCanaries;
        double expected = Math.Min(privacy.ExpectedBatchSize, population);
        long seed = privacy.Seed ?? SecureSeed.Next();
        Sampler = PoissonSampler.AtRate(Units.Count, expected / population, seed);
        Delta = privacy.Delta ?? PrivacyDelta.Auto(Math.Max(2, population));
        NoiseMultiplier = privacy.NoiseMultiplier
            ?? NoiseCalibration.GetNoiseMultiplier(privacy.TargetEpsilon!.Value, Delta, Sampler.SampleRate, (int)plannedSteps, privacy.Accountant);
        Accountant = PrivacyAccountants.Create(privacy.Accountant);
        Budget = privacy.TargetEpsilon is double target ? new PrivacyBudget(NoiseMultiplier, Sampler.SampleRate, Delta, target, privacy.Accountant) : null;
        Optimizer = new DpOptimizer(lora.NamedParameters, NoiseMultiplier, privacy.MaxGradNorm, expected, privacy.Seed is long s ? s + 1 : null, lora.FlatGradients);
        Optimizer.AttachAccountant(Accountant, Sampler.SampleRate);
        _capture = DpLoraCapture.Attach(lora);
        _packing = config.Packing;
        _maxLength = config.MaxSeqLength;
    }

    /// <summary>What Poisson sampling draws: one row of examples per record, or per entity.</summary>
    public IReadOnlyList<IReadOnlyList<TokenizedExample>> Units { get; }

    /// <summary>The units that are the user's (records or entities), without the audit's canaries.</summary>
    public int UserUnits { get; }

    /// <summary>Draws step t's batch from (seed, t) alone, so a resumed run redraws the same batches.</summary>
    public PoissonSampler Sampler { get; private set; }

    /// <summary>Restores the sampler seed and the accountant's history from a checkpoint.</summary>
    public void Restore(long samplerSeed, IEnumerable<PrivacyHistoryEntry> history)
    {
        Sampler = PoissonSampler.AtRate(Sampler.Count, Sampler.SampleRate, samplerSeed);
        foreach (PrivacyHistoryEntry entry in history)
        {
            Accountant.Step(entry.NoiseMultiplier, entry.SampleRate, entry.Steps);
        }
    }

    public double Delta { get; }

    public double NoiseMultiplier { get; }

    public IPrivacyAccountant Accountant { get; }

    public PrivacyBudget? Budget { get; }

    public DpOptimizer Optimizer { get; }

    /// <summary>ε spent so far at the run's δ.</summary>
    public double Epsilon => Accountant.History.Count == 0 ? 0 : Accountant.GetEpsilon(Delta);

    /// <summary>
    /// The rows a sampled batch trains in: with packing, units share rows up to the maximum length (first fit);
    /// without, each unit is its own row. Which units train is the sampler's alone, so ε is the same either way.
    /// </summary>
    public List<TrainingRow> LayOut(IEnumerable<int> sampled)
    {
        ArgumentNullException.ThrowIfNull(sampled);
        List<IReadOnlyList<TokenizedExample>> units = sampled.Select(i => Units[i]).ToList();
        return _packing ? TrainingRow.Pack(units, _maxLength) : units.Select(TrainingRow.Single).ToList();
    }

    /// <summary>
    /// The most memory by default a micro-batch's per-sample gradients may take as one matrix (U samples · P adapter parameters ·
    /// 4 bytes). Below it they are materialized and clipped in a few whole-matrix ops (fewest kernel launches); above it
    /// they are read in two passes that never hold them all (<see cref="IPerSampleGradients"/>): packed rows of short
    /// records put hundreds of samples in a micro-batch, at 45 MB each for llama-3.2-1b's all-linear r = 16 adapter.
    /// </summary>
    internal const long DefaultMaterializedGradientBytes = 256L << 20;

    /// <summary>The limit in force (<see cref="DefaultMaterializedGradientBytes"/>; tests set 0 to force two passes).</summary>
    internal long MaterializedGradientBytes { get; set; } = DefaultMaterializedGradientBytes;

    /// <summary>
    /// Per-sample gradients of a summed loss, clipped and added to the step's sum; <paramref name="segments"/> says
    /// where each unit lies when rows pack several (null: one unit per row).
    /// </summary>
    public void ClipAndAccumulate(Tensor lossSum, TokenSegments? segments = null)
    {
        using CapturedPerSampleGradients perSample = _capture.CapturePerSampleGradients(lossSum, segments);
        if ((long)perSample.SampleCount * Optimizer.TotalElements * sizeof(float) <= MaterializedGradientBytes)
        {
            using Tensor flat = perSample.Materialize();
            Optimizer.ClipAndAccumulate(flat);
        }
        else
        {
            Optimizer.ClipAndAccumulate(perSample);
        }
    }

    /// <summary>An entity's records laid end to end in one row, cut at the maximum length.</summary>
    private static List<TokenizedExample> Pack(List<TokenizedExample> records, int maxLength)
    {
        var kept = new List<TokenizedExample>();
        int used = 0;
        foreach (TokenizedExample record in records)
        {
            int room = maxLength - used;
            if (room < 2)
            {
                break;
            }
            kept.Add(record.InputIds.Length <= room ? record : new TokenizedExample(record.InputIds[..room], record.LossMask[..room]));
            used += Math.Min(room, record.InputIds.Length);
        }
        return kept;
    }

    public void Dispose()
    {
        _capture.Dispose();
        Optimizer.Dispose();
    }
}
