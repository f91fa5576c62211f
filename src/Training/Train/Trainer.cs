using System.Diagnostics;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Events;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Privacy.Audit;
using FineTune.Training.Privacy.Sgd.PerSampleGrads;
using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Training.Train;

/// <summary>
/// The LoRA training loop: one straight-line <see cref="Step"/> with numbered phases, evaluation, checkpoints and
/// resume. It is not a data pipeline (examples arrive tokenized) and knows nothing of jobs or HTTP. Runs on the
/// calling thread; tensors never leave it.
/// </summary>
public sealed partial class Trainer : IDisposable
{
    private const int MaxOutOfMemoryRetries = 3;
    private readonly Transformer _model;
    private readonly LoraModel _lora;
    private readonly IReadOnlyList<TokenizedExample> _validation;
    private readonly TrainingConfig _config;
    private readonly Device _device;
    private readonly RowSchedule _rows;
    private readonly AdamW _optimizer;
    private readonly Generator _dropoutGenerator;
    private readonly List<double> _lossHistory = new();
    private readonly List<EvalReport> _evalLosses = new();
    private int _microBatchSize;
    private long _tokensSeen;
    private double _elapsedBefore;
    private readonly Stopwatch _clock = new();
    private readonly DpTraining? _dp;
    private readonly CanarySet? _canaries;
    private double[]? _canaryReferenceLosses;

    /// <summary>
    /// Prepares a run; examples must already fit <see cref="TrainingConfig.MaxSeqLength"/>. Under entity-level DP an
    /// example's <see cref="TokenizedExample.EntityKey"/> names its entity (examples without one are their own).
    /// With <see cref="TrainingConfig.Audit"/>, the audit's canaries derive from <paramref name="canaryKey"/>: null
    /// draws a fresh key; a run resumed from a checkpoint must pass the checkpoint's (<see cref="ReadCanaryKey"/>),
    /// since its training data holds the same canaries.
    /// </summary>
    public Trainer(Transformer model, LoraModel lora, IReadOnlyList<TokenizedExample> train, IReadOnlyList<TokenizedExample> validation, TrainingConfig config, Device device, byte[]? canaryKey = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(train);
        config = AutoDefaults.Resolve(config, model, device, train.Count);
        config.Validate();
        if (train.Count == 0)
        {
            throw new ArgumentException("there are no training examples", nameof(train));
        }
        _model = model;
        _lora = lora;
        _validation = validation;
        _config = config;
        _device = device;
        // The trained canaries are records like any other; only the user's records plan the steps (docs/privacy.md).
        _canaries = config.Audit is { } audit ? CanarySet.Create(canaryKey ?? CanarySet.NewKey(), audit, model.Config.VocabSize) : null;
        IReadOnlyList<TokenizedExample> examples = _canaries is null ? train : [.. train, .. _canaries.Trained];
        _rows = new RowSchedule(examples, config.Seed, config.MaxSeqLength, config.Packing, config.NextFitPacking);
        int userRowsPerEpoch = _canaries is null ? _rows.RowsPerEpoch : new RowSchedule(train, config.Seed, config.MaxSeqLength, config.Packing, config.NextFitPacking).RowsPerEpoch;
        _optimizer = new AdamW(lora, weightDecay: config.WeightDecay);
        _dropoutGenerator = new Generator(config.Seed + 1, device);
        bool halfBase = model.DType is ScalarType.BFloat16 or ScalarType.Float16;
        foreach (LoraLinear adapter in lora.Adapters)
        {
            adapter.DropoutGenerator = _dropoutGenerator;
            // Set either way: an adapter outlives a trainer (benchmarks train one adapter under several configs).
            adapter.ComputeDType = config.LoraInBaseDType && halfBase ? model.DType : adapter.A.dtype;
        }
        _microBatchSize = config.MicroBatchSize;
        long rowsPerStep = (long)config.MicroBatchSize * config.GradientAccumulation;
        double stepsPerEpoch = (double)userRowsPerEpoch / rowsPerStep;
        TotalSteps = config.MaxSteps ?? Math.Max(1, (long)Math.Ceiling(userRowsPerEpoch * config.Epochs / rowsPerStep));
        if (config.Privacy is { } privacy)
        {
            // Under DP an epoch is n / (expected batch) logical steps of Poisson-sampled units.
            int units = privacy.EntityLevel ? train.Select((e, i) => e.EntityKey ?? $"record:{i}").Distinct().Count() : train.Count;
            // In double: 100 records at an expected batch of 16 are 6.25 steps an epoch, so epoch 2 ends in step 13, not 12.
            stepsPerEpoch = (double)units / Math.Min(privacy.ExpectedBatchSize, units);
            TotalSteps = config.MaxSteps ?? Math.Max(1, (long)Math.Ceiling(units * config.Epochs / Math.Min(privacy.ExpectedBatchSize, units)));
            _dp = new DpTraining(lora, examples, config, TotalSteps, _canaries?.Canaries.Count ?? 0);
        }
        WarmupSteps = (long)Math.Floor(TotalSteps * config.WarmupRatio);
        bool countsEpochs = config.MaxSteps is null && config.SaveEachEpoch;
        Checkpoints = new CheckpointSchedule(config.SaveEvery, TotalSteps, countsEpochs ? stepsPerEpoch : null, config.Epochs);
    }

    /// <summary>
    /// Under DP, the size up to which a micro-batch's per-sample gradients are materialized as one matrix rather than read
    /// in two passes (<see cref="DpTraining.MaterializedGradientBytes"/>); tests set 0 to train through the two passes.
    /// </summary>
    internal long DpMaterializedGradientBytes
    {
        get => _dp?.MaterializedGradientBytes ?? DpTraining.DefaultMaterializedGradientBytes;
        init
        {
            if (_dp is not null)
            {
                _dp.MaterializedGradientBytes = value;
            }
        }
    }

    /// <summary>The steps after which the run writes a checkpoint (periodic and epoch ends).</summary>
    internal CheckpointSchedule Checkpoints { get; }

    /// <summary>Whether the next step would spend more privacy than the target allows (the run stops before it).</summary>
    public bool PrivacyBudgetExhausted => _dp?.Budget?.WouldExceed(StepsDone + 1) == true;

    /// <summary>Planned optimizer steps.</summary>
    public long TotalSteps { get; }

    /// <summary>Steps of linear warmup.</summary>
    public long WarmupSteps { get; }

    /// <summary>Steps taken so far (including those before a resumed checkpoint).</summary>
    public long StepsDone { get; private set; }

    /// <summary>Hooks called during the run.</summary>
    public ITrainingCallbacks Callbacks { get; init; } = new NoCallbacks();

    /// <summary>
    /// Called in each step once the LoRA gradients are accumulated, before clipping and the optimizer: tests read
    /// them here (gradient checkpointing must give the plain path's).
    /// </summary>
    internal Action? GradientsReady { get; init; }

    /// <summary>One optimizer step over MicroBatchSize × GradientAccumulation rows.</summary>
    public StepReport Step()
    {
        _clock.Start();
        using var scope = TensorScope.Begin();
        long step = StepsDone + 1;
        double learningRate = LearningRateSchedule.At(_config.LrSchedule, _config.LearningRate, step, TotalSteps, WarmupSteps);

        // 1) sample the logical batch: a fixed set of rows, replayable if a smaller micro-batch must retry it. Under
        //    DP, Poisson sampling of units (records or entities); its size varies and may be zero. With packing the
        //    sampled units share rows, each still clipped on its own.
        List<TrainingRow> rows = _dp is null
            ? _rows.Take(_config.MicroBatchSize * _config.GradientAccumulation).Select(TrainingRow.Single).ToList()
            : _dp.LayOut(_dp.Sampler.Sample(step - 1));
        long targetTokens = rows.Sum(r => r.Examples.Sum(e => Math.Max(0, e.TargetCount - (e.LossMask[0] ? 1 : 0))));
        // Canaries train like records but are not the user's tokens.
        long tokens = rows.Sum(r => r.Examples.Where(e => !e.IsCanary).Sum(e => (long)e.InputIds.Length));

        // 2) forward and loss micro-batch by micro-batch (halving the micro-batch on OOM), and
        // 3) per-sample gradients under DP, clipped to C and summed; without DP plain backward accumulation.
        //    The loss stays on the device until 4) has queued its work too: one read per step, not one per micro-batch.
        Tensor lossSum = ForwardBackwardWithRetry(rows, Math.Max(1, targetTokens));
        GradientsReady?.Invoke();

        // 4) without DP clip the global gradient norm; under DP noise N(0, σ²C²) and ÷ expected batch size follow in 5).
        //    Under DP the figure reported is the mean per-sample norm before clipping (NaN for an empty batch).
        //    The loss and the norm come to the host together, the step's one wait for the device; under DP the
        //    per-sample norms' two sums ride along in the same read.
        Tensor figuresOnDevice = _dp is null
            ? torch.stack([lossSum, ClipGradients(_config.MaxGradNorm)]).to(ScalarType.Float64)
            : torch.cat([lossSum.to(ScalarType.Float64).unsqueeze(0), _dp.Optimizer.NormStatistics]);
        double[] figures = figuresOnDevice.ToArray<double>();
        double loss = rows.Count == 0 ? double.NaN : figures[0] / Math.Max(1, targetTokens);
        if (rows.Count > 0 && !double.IsFinite(loss))
        {
            throw new TrainingDivergedException($"the loss became {loss} at step {step}; lower the learning rate (now {learningRate:G3}) or check the data");
        }
        (double gradNorm, double? clippedFraction) = _dp is null
            ? (figures[1], (double?)null)
            : _dp.Optimizer.Summarize(figures[1], figures[2]);

        // 5) optimizer step, and 6) under DP the accountant is charged by the DP optimizer's step hook, once.
        if (_dp is null)
        {
            _optimizer.Step(learningRate);
        }
        else
        {
            _dp.Optimizer.Step(() => _optimizer.Step(learningRate));
        }
        _optimizer.ZeroGrad();

        // 7) report.
        StepsDone = step;
        _tokensSeen += tokens;
        _lossHistory.Add(loss);
        double? epsilon = _dp?.Epsilon;
        _clock.Stop();
        var report = new StepReport(step, TotalSteps, loss, learningRate, gradNorm, tokens, _tokensSeen, ElapsedSeconds, _microBatchSize, epsilon, clippedFraction)
        {
            PeakLearningRate = _config.LearningRate,
            Epochs = _config.MaxSteps is null ? _config.Epochs : null,
        };
        Callbacks.OnStep(report);
        return report;
    }

    private double ElapsedSeconds => _elapsedBefore + _clock.Elapsed.TotalSeconds;

    /// <summary>The step's summed loss as an fp32 scalar on the device (detached), owned by the caller's scope.</summary>
    private Tensor ForwardBackwardWithRetry(List<TrainingRow> rows, long targetTokens)
    {
        for (int attempt = 0; ; attempt++)
        {
            using var scope = TensorScope.Begin();
            try
            {
                Tensor lossSum = torch.zeros([], ScalarType.Float32, _device);
                foreach (TrainingRow[] micro in rows.Chunk(_microBatchSize))
                {
                    lossSum.add_(ForwardBackward(micro, targetTokens));
                }
                return scope.MoveToOuter(lossSum);
            }
            catch (TorchOutOfMemoryException e) when (attempt < MaxOutOfMemoryRetries && _microBatchSize > 1)
            {
                _optimizer.ZeroGrad();
                _dp?.Optimizer.ResetSums();
                _microBatchSize = Math.Max(1, _microBatchSize / 2);
                if (_device.Type == DeviceType.CUDA)
                {
                    torch.cuda.empty_cache();
                }
                Trace.TraceWarning($"out of memory ({e.Message}); retrying the step with micro-batch {_microBatchSize}");
            }
        }
    }

    /// <summary>
    /// Sum of per-token losses of a micro-batch (detached, on the device, owned by the caller's scope); backward of
    /// that sum / the step's target tokens.
    /// </summary>
    private Tensor ForwardBackward(IReadOnlyList<TrainingRow> rows, long stepTargetTokens)
    {
        try
        {
            using var scope = TensorScope.Begin();
            using PackedBatch batch = PackedBatch.Build(rows.Select(r => r.Examples).ToList(), _config.MaxSeqLength, _device, PackedAttentionFor(_config));
            if (_config.GradientCheckpointing)
            {
                // Never under DP (TrainingConfig.Validate refuses the pair). The dropout generator is the adapters' own,
                // so the recomputed blocks draw the forward's masks.
                return scope.MoveToOuter(_model.ForwardBackwardCheckpointed(
                    batch.InputIds, batch.Packing, hidden => HeadLossSum(hidden, batch), loss => loss.div(stepTargetTokens), _dropoutGenerator));
            }
            Tensor lossSum = LossSum(batch);
            if (_dp is null)
            {
                lossSum.div(stepTargetTokens).backward();
            }
            else
            {
                // Each sample's gradient must depend on that sample alone, so the per-sample path takes the plain sum.
                using TokenSegments? segments = TrainingRow.Segments(rows, batch.InputIds.size(1), _device);
                _dp.ClipAndAccumulate(lossSum, segments);
            }
            return scope.MoveToOuter(lossSum.detach());
        }
        finally
        {
            // Whatever ended the micro-batch (backward, or an out-of-memory error halfway), the adapters' shared input
            // copy, and the graph it belongs to, are not kept past it.
            _lora.ReleaseSharedInput();
        }
    }

    /// <summary>
    /// Summed cross-entropy of the batch's target tokens (fp32 scalar), chunked over tokens unless the config says
    /// 0 (<see cref="ChunkedCrossEntropy"/>); both give the same loss and gradients.
    /// </summary>
    private Tensor LossSum(PackedBatch batch)
    {
        using var scope = TensorScope.Begin();
        Tensor hidden = _model.ForwardHidden(batch.InputIds, packing: batch.Packing); // (B, T, C)
        return scope.MoveToOuter(HeadLossSum(hidden, batch));
    }

    /// <summary>The loss of <see cref="LossSum"/> from the final-norm hidden states (B, T, C) of the batch.</summary>
    private Tensor HeadLossSum(Tensor hidden, PackedBatch batch)
    {
        using var scope = TensorScope.Begin();
        Tensor targets = batch.Targets.reshape(-1);                                               // (B·T)
        // The rule MemoryEstimate counts by: whole logits on the CPU unless configured, chunks elsewhere.
        long chunkRows = LossChunking.ChunkRows(_config.LossChunkTokens, _model.Config.VocabSize, onCpu: _device.Type == DeviceType.CPU);
        if (chunkRows == 0)
        {
            Tensor logits = F.linear(hidden, _model.OutputWeight);                                // (B, T, V)
            return scope.MoveToOuter(F.cross_entropy(
                logits.reshape(-1, logits.size(-1)).to(ScalarType.Float32),
                targets,
                ignoreIndex: PackedBatch.IgnoreIndex,
                reduction: torch.nn.Reduction.Sum));
        }
        return scope.MoveToOuter(ChunkedCrossEntropy.LossSum(
            hidden.reshape(-1, hidden.size(-1)), _model.OutputWeight, targets, PackedBatch.IgnoreIndex, chunkRows));
    }

    /// <summary>
    /// The global gradient norm (fp32 scalar on the device, owned by the caller's scope), after scaling the gradients
    /// by min(1, maxNorm / (norm + 1e-6)) on the device as torch.nn.utils.clip_grad_norm_ does, with no host read.
    /// </summary>
    private Tensor ClipGradients(double maxNorm)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = torch.no_grad();
        // Every LoRA gradient is a slice of one buffer: the global norm and the scaling are one op each.
        Tensor grads = _lora.FlatGradients ?? throw new ObjectDisposedException(nameof(LoraModel));
        Tensor norm = grads.to(ScalarType.Float32).norm();
        if (maxNorm > 0)
        {
            Tensor factor = (maxNorm / norm.add(1e-6)).clamp(max: 1.0);
            grads.mul_(factor);
        }
        return scope.MoveToOuter(norm);
    }

    /// <summary>Mean loss per target token on the validation split, without dropout or gradients.</summary>
    public double Evaluate()
    {
        if (_validation.Count == 0)
        {
            return double.NaN;
        }
        _lora.SetTraining(false);
        try
        {
            using var noGrad = torch.no_grad();
            double lossSum = 0;
            long targets = 0;
            foreach (TokenizedExample[] chunk in _validation.Chunk(_microBatchSize))
            {
                using var scope = TensorScope.Begin();
                using PackedBatch batch = PackedBatch.Build(chunk.Select(e => (IReadOnlyList<TokenizedExample>)[e]).ToList(), _config.MaxSeqLength, _device);
                lossSum += LossSum(batch).item();
                targets += batch.TargetTokens;
            }
            return lossSum / Math.Max(1, targets);
        }
        finally
        {
            _lora.SetTraining(true);
        }
    }

    private static PackedAttentionKind PackedAttentionFor(TrainingConfig config) =>
        config.VarlenPackedAttention ? PackedAttentionKind.Varlen
        : config.DensePackingMask ? PackedAttentionKind.DenseMask
        : PackedAttentionKind.ByCost;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (LoraLinear adapter in _lora.Adapters)
        {
            adapter.DropoutGenerator = null;
        }
        _dp?.Dispose();
        _optimizer.Dispose();
        _dropoutGenerator.Dispose();
    }

    private sealed class NoCallbacks : ITrainingCallbacks
    {
    }
}
