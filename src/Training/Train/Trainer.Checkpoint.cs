using System.Text.Json;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Events;
using FineTune.Torch;
using FineTune.Torch.Safetensors;
using FineTune.Training.Lora;

namespace FineTune.Training.Train;

/// <summary>
/// Checkpoints hold everything a resumed run needs to continue bit for bit on CPU: the adapter, AdamW's moments and
/// step count, the dropout generator's state, the data cursor (epoch, row), the micro-batch size and the histories.
/// Under DP they also hold the sampling and noise seeds, and with an audit the canaries' key: checkpoints are the
/// worker's own state and are never served (as outputs, events or logs are).
/// </summary>
public sealed partial class Trainer
{
    private const string OptimizerFile = "optimizer.safetensors";
    private const string StateFile = "trainer_state.json";
    private const string NextFitLayout = "next_fit";
    private const string BestFitDecreasingLayout = "best_fit_decreasing";

    /// <summary>Writes a checkpoint folder atomically (built beside it, then renamed); returns its path.</summary>
    public string SaveCheckpoint(string folder, string baseModelNameOrPath)
    {
        string staging = folder + ".partial";
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }
        PeftAdapter.Save(_lora, staging, baseModelNameOrPath);
        using (var scope = TensorScope.Begin())
        {
            var tensors = _optimizer.StateTensors().Select(p => p.Value.ToSafetensor(p.Key)).ToList();
            SafetensorsWriter.Write(Path.Combine(staging, OptimizerFile), tensors);
            Tensor generatorState = _dropoutGenerator.get_state();
            var state = new CheckpointState(
                StepsDone,
                _optimizer.StepCount,
                _rows.Epoch,
                _rows.Row,
                _microBatchSize,
                _tokensSeen,
                ElapsedSeconds,
                Convert.ToBase64String(generatorState.ToArray<byte>()),
                _lossHistory.ToList(),
                _evalLosses.Select(e => new[] { e.Step, e.Loss }).ToList(),
                _dp is null ? null : new DpCheckpointState(
                    _dp.Sampler.Seed,
                    Convert.ToBase64String(_dp.Optimizer.GetNoiseGeneratorState().ToArray<byte>()),
                    _dp.Optimizer.StepCount,
                    _dp.Accountant.History.ToList()),
                _canaries is null ? null : Convert.ToBase64String(_canaries.Key),
                _config.NextFitPacking ? NextFitLayout : BestFitDecreasingLayout);
            WriteJsonAtomically(Path.Combine(staging, StateFile), state);
        }
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
        Directory.Move(staging, folder);
        return folder;
    }

    /// <summary>
    /// Whether a checkpoint's rows were packed by next fit (written before best fit decreasing, so without a row
    /// layout): a run resumed from it must set <see cref="TrainingConfig.NextFitPacking"/> to replay its rows and steps.
    /// </summary>
    public static bool UsesNextFitPacking(string folder) => ReadState(folder).RowLayout is null or NextFitLayout;

    /// <summary>The audit's canary key a checkpoint holds (to construct the resumed trainer with), or null if none.</summary>
    public static byte[]? ReadCanaryKey(string folder) => ReadState(folder).CanaryKey is { } key ? Convert.FromBase64String(key) : null;

    private static CheckpointState ReadState(string folder)
    {
        string statePath = Path.Combine(folder, StateFile);
        if (!File.Exists(statePath))
        {
            throw new FileNotFoundException($"{folder} is not a checkpoint: {StateFile} is missing", statePath);
        }
        return JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(statePath), s_json)
            ?? throw new InvalidDataException($"{statePath} is empty");
    }

    /// <summary>Restores a checkpoint written by <see cref="SaveCheckpoint"/> into this trainer.</summary>
    public void LoadCheckpoint(string folder)
    {
        string statePath = Path.Combine(folder, StateFile);
        if (!File.Exists(statePath))
        {
            throw new FileNotFoundException($"{folder} is not a checkpoint: {StateFile} is missing", statePath);
        }
        CheckpointState state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(statePath), s_json)
            ?? throw new InvalidDataException($"{statePath} is empty");
        using (SafetensorsFile adapter = SafetensorsFile.Open(Path.Combine(folder, PeftAdapter.WeightsFile)))
        using (var noGrad = torch.no_grad())
        {
            foreach (var (key, parameter) in _lora.NamedParameters)
            {
                using Tensor stored = adapter.LoadTensor(key);
                parameter.copy_(stored).Dispose();
            }
        }
        using (SafetensorsFile optimizer = SafetensorsFile.Open(Path.Combine(folder, OptimizerFile)))
        {
            _optimizer.LoadState(state.OptimizerSteps, name => optimizer.Tensors.ContainsKey(name) ? optimizer.LoadTensor(name) : null);
        }
        byte[] generatorBytes = Convert.FromBase64String(state.DropoutGeneratorState);
        using (Tensor generatorState = torch.tensor(generatorBytes))
        {
            _dropoutGenerator.set_state(generatorState);
        }
        StepsDone = state.Step;
        _rows.Seek(state.Epoch, state.Row);
        _microBatchSize = state.MicroBatchSize;
        _tokensSeen = state.TokensSeen;
        _elapsedBefore = state.ElapsedSeconds;
        _lossHistory.Clear();
        _lossHistory.AddRange(state.LossHistory);
        _evalLosses.Clear();
        _evalLosses.AddRange(state.EvalLosses.Select(e => new EvalReport((long)e[0], e[1])));
        if (_config.Packing && (state.RowLayout is null or NextFitLayout) != _config.NextFitPacking)
        {
            // Other rows would put the data cursor, the step count and the schedule on a different plan.
            throw new InvalidDataException($"{statePath} packed its rows by {state.RowLayout ?? NextFitLayout}, this run by {(_config.NextFitPacking ? NextFitLayout : BestFitDecreasingLayout)}: set NextFitPacking from {nameof(UsesNextFitPacking)}(checkpoint)");
        }
        if (_canaries is not null && state.CanaryKey != Convert.ToBase64String(_canaries.Key))
        {
            // Different canaries would mean different training data than the steps already taken.
            throw new InvalidDataException(state.CanaryKey is null
                ? $"{statePath} was written by a run without a privacy audit"
                : $"{statePath} holds other canaries than this run's: pass {nameof(ReadCanaryKey)}(checkpoint) to the trainer");
        }
        if (_dp is not null)
        {
            DpCheckpointState dp = state.Privacy ?? throw new InvalidDataException($"{statePath} was written by a run without differential privacy");
            _dp.Restore(dp.SamplerSeed, dp.History);
            _dp.Optimizer.RestoreStepCount(dp.NoisedSteps);
            using Tensor noiseState = torch.tensor(Convert.FromBase64String(dp.NoiseGeneratorState));
            _dp.Optimizer.SetNoiseGeneratorState(noiseState);
        }
    }

    private sealed record CheckpointState(
        long Step,
        long OptimizerSteps,
        int Epoch,
        int Row,
        int MicroBatchSize,
        long TokensSeen,
        double ElapsedSeconds,
        string DropoutGeneratorState,
        List<double> LossHistory,
        List<double[]> EvalLosses,
        DpCheckpointState? Privacy,
        string? CanaryKey = null,
        string? RowLayout = null);

    private sealed record DpCheckpointState(long SamplerSeed, string NoiseGeneratorState, long NoisedSteps, List<FineTune.Privacy.PrivacyHistoryEntry> History);
}
