using FineTune.Contracts.Backends;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Models;
using FineTune.Torch;
using FineTune.Training.Model;

namespace FineTune.Training.Train;

/// <summary>
/// Values for hyperparameters given as <c>auto</c> (the default of the learning rate, and of all three on the
/// OpenAI-compatible API); the rules that need no device (learning rate, epochs) are <see cref="AutoRules"/>, which the
/// API uses too. docs/api.md states the rules:
/// <list type="bullet">
/// <item>learning rate by model size: 2e-4 × √(7·10⁹ / parameters), within [5e-5, 2e-2] — the common LoRA rate of
/// 2e-4 at 7B, less for larger models, more for small ones, whose LoRA updates are tiny at 2e-4;</item>
/// <item>epochs by dataset size, as OpenAI decides them: 3, raised to reach 100 examples seen (at most 25 epochs) for
/// small sets, lowered to stay near 25,000 examples (at least 1) for large ones;</item>
/// <item>micro-batch from the free memory (with the model and adapters loaded) over the bytes one sequence adds,
/// <see cref="MemoryEstimate.PerSequenceBytes"/>: the activation, logits and DP terms of the estimate the API places
/// jobs by, slack included, of which <see cref="FreeMemoryShare"/> is used; on a CPU also by the time a step takes,
/// so a micro-batch stays near <see cref="CpuTargetStepSeconds"/> (at ≈ 6·T·P + 12·L·T²·C FLOPs per sequence of T
/// tokens and <see cref="CpuFlopsPerCore"/> per core).</item>
/// </list>
/// </summary>
public static class AutoDefaults
{
    /// <summary>Largest micro-batch chosen automatically (beyond it, accumulation is as fast).</summary>
    public const int MaxMicroBatch = 32;

    /// <summary>
    /// The share of the free memory an automatic micro-batch may fill: the per-sequence estimate already carries the
    /// allocator's slack, and the rest is left to what grows after the first step (AdamW's state, workspaces).
    /// </summary>
    public const double FreeMemoryShare = 0.9;

    /// <summary>The step time an automatic CPU micro-batch aims at, in seconds.</summary>
    public const double CpuTargetStepSeconds = 3.0;

    /// <summary>
    /// FLOP/s one CPU core sustains in LoRA training steps (forward, backward, optimizer, small matrices included):
    /// measured with tinystories-656k at T=512 on a 2-core machine, well below GEMM peak.
    /// </summary>
    public const double CpuFlopsPerCore = 1.5e9;

    /// <summary>The config with its auto fields resolved for this model, device and number of training examples.</summary>
    public static TrainingConfig Resolve(TrainingConfig config, Transformer model, Device device, int trainingExamples)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(model);
        return config with
        {
            LearningRate = config.AutoLearningRate ? AutoRules.LearningRateFor(model.ParameterCount) : config.LearningRate,
            MicroBatchSize = config.AutoMicroBatch ? MicroBatchFor(model.Config, model.ParameterCount, config, ToWeightDType(model.DType), device) : config.MicroBatchSize,
            Epochs = config.AutoEpochs ? AutoRules.EpochsFor(trainingExamples) : config.Epochs,
            AutoLearningRate = false,
            AutoMicroBatch = false,
            AutoEpochs = false,
        };
    }

    /// <summary>
    /// Sequences per micro-batch (at least 1, at most <see cref="MaxMicroBatch"/>) of <paramref name="config"/>'s
    /// <c>max_seq_len</c> for base weights of <paramref name="weightDType"/> on this device: by free memory, and on a
    /// CPU by step time too.
    /// </summary>
    public static int MicroBatchFor(ModelConfig model, long parameters, TrainingConfig config, WeightDType weightDType, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        bool cuda = device.Type == DeviceType.CUDA;
        long free = cuda ? torch.cuda.memory_stats(device.Index).FreeBytes : AvailableHostMemory();
        return MicroBatchFor(model, parameters, config, weightDType, free, cuda ? null : Environment.ProcessorCount);
    }

    /// <summary>
    /// The rule of <see cref="MicroBatchFor(ModelConfig, long, TrainingConfig, WeightDType, Device)"/> for
    /// <paramref name="freeBytes"/> of free memory; <paramref name="cpuCores"/> is null on a GPU, else the CPU's cores
    /// bound the micro-batch by step time.
    /// </summary>
    public static int MicroBatchFor(ModelConfig model, long parameters, TrainingConfig config, WeightDType weightDType, long freeBytes, int? cpuCores)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        long fitting = (long)(freeBytes * FreeMemoryShare / MemoryEstimate.PerSequenceBytes(model, config, weightDType, cuda: cpuCores is null));
        if (cpuCores is int cores)
        {
            fitting = Math.Min(fitting, CpuSequencesPerStep(model, parameters, config.MaxSeqLength, cores));
        }
        return (int)Math.Clamp(fitting, 1, MaxMicroBatch);
    }

    /// <summary>How many sequences of <paramref name="sequenceLength"/> tokens a CPU step of the target time holds.</summary>
    public static long CpuSequencesPerStep(ModelConfig config, long parameters, int sequenceLength, int cores)
    {
        ArgumentNullException.ThrowIfNull(config);
        double t = sequenceLength;
        double flopsPerSequence = (6 * t * parameters) + (12.0 * config.NumLayers * t * t * config.HiddenSize);
        return (long)(CpuTargetStepSeconds * CpuFlopsPerCore * Math.Max(1, cores) / flopsPerSequence);
    }

    private static WeightDType ToWeightDType(ScalarType dtype) => dtype switch
    {
        ScalarType.BFloat16 => WeightDType.BFloat16,
        ScalarType.Float16 => WeightDType.Float16,
        _ => WeightDType.Float32,
    };

    private static long AvailableHostMemory()
    {
        string? line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal)) : null;
        return line is null ? 4L << 30 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
