using FineTune.Contracts.Configs;
using FineTune.Privacy;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Privacy.Sgd;

namespace FineTune.Training.Train;

/// <summary>
/// The DP-SGD side of a run: the units (records, or entities with all their records) that Poisson sampling draws,
/// the per-sample gradient capture, the clip-and-noise optimizer wrapper, the accountant it charges once per step,
/// and the budget that ends the run before ε would pass the target.
/// </summary>
internal sealed class DpTraining : IDisposable
{
    private readonly DpLoraCapture _capture;

    public DpTraining(LoraModel lora, IReadOnlyList<TokenizedExample> examples, TrainingConfig config, long plannedSteps)
    {
        PrivacyConfig privacy = config.Privacy!;
        Units = privacy.EntityLevel
            ? examples.Select((e, i) => (Example: e, Key: e.EntityKey ?? $"record:{i}")).GroupBy(p => p.Key).Select(g => (IReadOnlyList<TokenizedExample>)Pack(g.Select(p => p.Example).ToList(), config.MaxSeqLength)).ToList()
            : examples.Select(e => (IReadOnlyList<TokenizedExample>)[e]).ToList();
        double expected = Math.Min(privacy.ExpectedBatchSize, Units.Count);
        long seed = privacy.Seed ?? SecureSeed.Next();
        Sampler = new PoissonSampler(Units.Count, expected, seed);
        Delta = privacy.Delta ?? PrivacyDelta.Auto(Math.Max(2, Units.Count));
        NoiseMultiplier = privacy.NoiseMultiplier
            ?? NoiseCalibration.GetNoiseMultiplier(privacy.TargetEpsilon!.Value, Delta, Sampler.SampleRate, (int)plannedSteps, privacy.Accountant);
        Accountant = PrivacyAccountants.Create(privacy.Accountant);
        Budget = privacy.TargetEpsilon is double target ? new PrivacyBudget(NoiseMultiplier, Sampler.SampleRate, Delta, target, privacy.Accountant) : null;
        Optimizer = new DpOptimizer(lora.NamedParameters, NoiseMultiplier, privacy.MaxGradNorm, expected, privacy.Seed is long s ? s + 1 : null);
        Optimizer.AttachAccountant(Accountant, Sampler.SampleRate);
        _capture = DpLoraCapture.Attach(lora);
    }

    /// <summary>What Poisson sampling draws: one row of examples per record, or per entity.</summary>
    public IReadOnlyList<IReadOnlyList<TokenizedExample>> Units { get; }

    /// <summary>Draws step t's batch from (seed, t) alone, so a resumed run redraws the same batches.</summary>
    public PoissonSampler Sampler { get; private set; }

    /// <summary>Restores the sampler seed and the accountant's history from a checkpoint.</summary>
    public void Restore(long samplerSeed, IEnumerable<PrivacyHistoryEntry> history)
    {
        Sampler = new PoissonSampler(Sampler.Count, Sampler.ExpectedBatchSize, samplerSeed);
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

    /// <summary>Per-sample gradients of a summed loss, clipped and added to the step's sum.</summary>
    public void ClipAndAccumulate(Tensor lossSum)
    {
        IReadOnlyList<KeyValuePair<string, Tensor>> perSample = _capture.ComputePerSampleGradients(lossSum);
        try
        {
            Optimizer.ClipAndAccumulate(perSample);
        }
        finally
        {
            foreach (var (_, gradient) in perSample)
            {
                gradient.Dispose();
            }
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
