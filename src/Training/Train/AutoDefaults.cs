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
/// <item>micro-batch on a GPU from the free memory, using the activation estimate of Korthikanti et al. 2022 (per layer
/// and sequence ≈ T·C·(34 + 5·nh·T/C) bytes at 16 bits) with a 30% margin; on a CPU from the time a step takes, so a
/// micro-batch stays near <see cref="CpuTargetStepSeconds"/> (at ≈ 6·T·P + 12·L·T²·C FLOPs per sequence of T tokens
/// and <see cref="CpuFlopsPerCore"/> per core) within the memory bound.</item>
/// </list>
/// </summary>
public static class AutoDefaults
{
    /// <summary>Largest micro-batch chosen automatically (beyond it, accumulation is as fast).</summary>
    public const int MaxMicroBatch = 32;

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
            MicroBatchSize = config.AutoMicroBatch ? MicroBatchFor(model.Config, model.ParameterCount, config.MaxSeqLength, device) : config.MicroBatchSize,
            Epochs = config.AutoEpochs ? AutoRules.EpochsFor(trainingExamples) : config.Epochs,
            AutoLearningRate = false,
            AutoMicroBatch = false,
            AutoEpochs = false,
        };
    }

    /// <summary>Sequences per micro-batch for this device (at least 1): by free memory, and on a CPU by step time too.</summary>
    public static int MicroBatchFor(ModelConfig config, long parameters, int sequenceLength, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        bool cuda = device.Type == DeviceType.CUDA;
        long free = cuda ? torch.cuda.memory_stats(device.Index).FreeBytes : AvailableHostMemory();
        double bytesPerElement = cuda ? 1 : 2;
        double perSequence = config.NumLayers * (double)sequenceLength * config.HiddenSize
            * (34 + (5.0 * config.NumHeads * sequenceLength / config.HiddenSize)) * bytesPerElement;
        // The logits (T × V in fp32, plus their gradient) are often the largest single tensor for small models.
        perSequence += 2.0 * sequenceLength * config.VocabSize * 4;
        long fitting = (long)(free * 0.7 / perSequence);
        if (!cuda)
        {
            fitting = Math.Min(fitting, CpuSequencesPerStep(config, parameters, sequenceLength, Environment.ProcessorCount));
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

    private static long AvailableHostMemory()
    {
        string? line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal)) : null;
        return line is null ? 4L << 30 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
