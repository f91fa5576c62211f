namespace FineTune.Training.Train;

/// <summary>
/// The steps after which a run writes a checkpoint before its end: every <c>save_every</c> steps, and, unless turned
/// off, at the end of each epoch (as OpenAI's fine-tuning does), so a worker that dies loses at most an epoch's steps.
/// The final step is never one: the run's end saves the adapter itself.
/// </summary>
/// <remarks>
/// Epoch ends are counted only when the step count derives from epochs (no <c>steps</c> given). Epoch k ends at step
/// ⌈k · steps per epoch⌉. Runs of more than <see cref="MaxEpochCheckpoints"/> epochs checkpoint every m-th epoch,
/// m = ⌈epochs / MaxEpochCheckpoints⌉, so a tiny dataset trained for hundreds of epochs does not checkpoint every step.
/// </remarks>
internal sealed class CheckpointSchedule
{
    /// <summary>The most epoch-end checkpoints one run writes.</summary>
    public const int MaxEpochCheckpoints = 20;

    private readonly int _saveEvery;
    private readonly long _totalSteps;
    private readonly HashSet<long> _epochEnds = new();

    /// <param name="saveEvery">Checkpoint every N steps (0: no periodic checkpoints).</param>
    /// <param name="totalSteps">Steps the run plans.</param>
    /// <param name="stepsPerEpoch">Optimizer steps one epoch takes (may be fractional); null when the run counts steps, not epochs.</param>
    /// <param name="epochs">Epochs the run plans (may be fractional).</param>
    public CheckpointSchedule(int saveEvery, long totalSteps, double? stepsPerEpoch, double epochs)
    {
        _saveEvery = saveEvery;
        _totalSteps = totalSteps;
        if (stepsPerEpoch is not double perEpoch || perEpoch <= 0)
        {
            return;
        }
        long wholeEpochs = (long)Math.Floor(epochs);
        long every = Math.Max(1, (long)Math.Ceiling((double)wholeEpochs / MaxEpochCheckpoints));
        for (long epoch = every; epoch <= wholeEpochs; epoch += every)
        {
            long step = (long)Math.Ceiling((epoch * perEpoch) - 1e-9);
            if (step >= 1 && step < totalSteps)
            {
                _epochEnds.Add(step);
            }
        }
    }

    /// <summary>The steps that end a checkpointed epoch, in order.</summary>
    public IReadOnlyList<long> EpochEnds => _epochEnds.Order().ToList();

    /// <summary>Whether a checkpoint is written after <paramref name="step"/>.</summary>
    public bool IsDue(long step)
    {
        if (step <= 0 || step >= _totalSteps)
        {
            return false;
        }
        return (_saveEvery > 0 && step % _saveEvery == 0) || _epochEnds.Contains(step);
    }
}
