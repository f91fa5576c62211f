using FineTune.Torch;
using FineTune.Training.Model;

namespace FineTune.Training.Train;

/// <summary>
/// Values for hyperparameters given as <c>auto</c>: the learning rate by model size (the LoRA rates common recipes
/// use: 2e-4 up to ~3B parameters, 1e-4 up to ~15B, 5e-5 above) and the micro-batch from the memory the device has
/// free, using the activation estimate of Korthikanti et al. 2022 (per layer and sequence ≈ T·C·(34 + 5·nh·T/C)
/// bytes at 16 bits, doubled for fp32) with a 30% margin.
/// </summary>
public static class AutoDefaults
{
    /// <summary>Largest micro-batch chosen automatically (beyond it, accumulation is as fast).</summary>
    public const int MaxMicroBatch = 32;

    /// <summary>The config with its auto fields resolved for this model and device.</summary>
    public static TrainingConfig Resolve(TrainingConfig config, Transformer model, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(model);
        return config with
        {
            LearningRate = config.AutoLearningRate ? LearningRateFor(model.ParameterCount) : config.LearningRate,
            MicroBatchSize = config.AutoMicroBatch ? MicroBatchFor(model.Config, config.MaxSeqLength, device) : config.MicroBatchSize,
            AutoLearningRate = false,
            AutoMicroBatch = false,
        };
    }

    /// <summary>LoRA learning rate for a base model of this many parameters.</summary>
    public static double LearningRateFor(long parameters) => parameters switch
    {
        <= 3_000_000_000 => 2e-4,
        <= 15_000_000_000 => 1e-4,
        _ => 5e-5,
    };

    /// <summary>Sequences per micro-batch that fit in the device's free memory (at least 1).</summary>
    public static int MicroBatchFor(ModelConfig config, int sequenceLength, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        long free = device.Type == DeviceType.CUDA ? torch.cuda.memory_stats(device.Index).FreeBytes : AvailableHostMemory();
        double bytesPerElement = device.Type == DeviceType.CUDA ? 1 : 2;
        double perSequence = config.NumLayers * (double)sequenceLength * config.HiddenSize
            * (34 + (5.0 * config.NumHeads * sequenceLength / config.HiddenSize)) * bytesPerElement;
        // The logits (T × V in fp32, plus their gradient) are often the largest single tensor for small models.
        perSequence += 2.0 * sequenceLength * config.VocabSize * 4;
        long fitting = (long)(free * 0.7 / perSequence);
        return (int)Math.Clamp(fitting, 1, MaxMicroBatch);
    }

    private static long AvailableHostMemory()
    {
        string? line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal)) : null;
        return line is null ? 4L << 30 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
