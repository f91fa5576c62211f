using System.Diagnostics;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Events;
using FineTune.Contracts.Models;
using FineTune.Text.Data;
using FineTune.Text.Tokenization;
using FineTune.Torch;
using FineTune.Training.Backends;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Train;

namespace FineTune.Benchmarks;

/// <summary>
/// Times LoRA training steps (r=16, alpha=32, all linear layers, no dropout unless --lora-dropout) on random token rows (B × L; with
/// --records-per-row K, K records of L / K tokens packed into each row)
/// and relates the achieved model FLOP/s to a GEMM measured in the same run, on the same device and in the same dtype
/// (1024³ on the CPU, 8192³ on CUDA). Model FLOPs per token, with frozen base weights: 4·P (forward 2·P, backward 2·P
/// for input gradients only; LoRA's own 6·r·(in + out) per adapted layer are left out, so the MFU understates the work
/// done: by about 6% at llama-30m, L = 256, and 1.3% at llama-3.2-1b, L = 1024) + 12·n_layer·L·d_attn (attention scores and values,
/// forward and backward; with K records per row, L / K: a token attends its own record only), P = parameters of the
/// linear layers and the output head. The attention term counts the
/// full L×L products even though a causal SDPA/flash kernel skips the masked half, as PaLM's MFU and nanoGPT's
/// estimate_mfu do, so the figure is comparable with published ones. Not a training run: the rows are noise, and
/// nothing is saved.
/// </summary>
internal static class TrainBenchmark
{
    // Two steps absorb one-off costs (allocator growth, cuBLAS and kernel selection, lazy optimizer state); the
    // Hugging Face reference script warms up the same way.
    private const int WarmupSteps = 2;

    /// <summary>How long the reference GEMM is repeated; its best repeat is the rate the MFU divides by.</summary>
    private static readonly TimeSpan GemmReferenceTime = TimeSpan.FromSeconds(1);

    public static TrainBenchmarkResult Run(TrainBenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        Device device = options.Device;
        // The same in-process thread settings a training job gets (CpuThreads), unless the flags name others.
        CpuThreadSettings? threads = device.Type == DeviceType.CPU ? CpuThreads.Apply(options.Threads, options.BlasThreads) : null;
        using Transformer model = TransformerLoader.Load(options.ModelFolder, options.DType, device);
        ModelConfig c = model.Config;
        // The binding draws LoRA's A from a CPU generator (A and B are fp32 on the model's device), so the adapters
        // are identical on every backend.
        using var generator = new Generator(0);
        var loraConfig = new LoraConfig { Rank = 16, Alpha = 32, TargetModules = ["all-linear"], Dropout = options.LoraDropout };
        using LoraModel lora = LoraModel.Attach(model, loraConfig, generator);
        int recordsPerRow = options.RecordsPerRow;
        bool fromData = options.DataFile is not null;
        (List<TokenizedExample> examples, int read) = fromData
            ? DataExamples(options.ModelFolder, options.DataFile!, options.SequenceLength)
            : (RandomRows(c.VocabSize, options.BatchSize * recordsPerRow * (options.Steps + WarmupSteps), options.SequenceLength / recordsPerRow), 0);
        bool packed = recordsPerRow > 1 || fromData;
        double meanRecordTokens = examples.Average(e => (double)e.InputIds.Length);
        var config = new TrainingConfig
        {
            MaxSteps = options.Steps + WarmupSteps,
            MicroBatchSize = options.BatchSize,
            MaxSeqLength = options.SequenceLength,
            Packing = packed,
            LearningRate = 1e-4,
            Lora = lora.Config,
            LossChunkTokens = options.LossChunkTokens,
            GradientCheckpointing = options.GradientCheckpointing,
            DensePackingMask = options.DensePackingMask,
            VarlenPackedAttention = options.VarlenAttention,
            LoraInBaseDType = options.LoraInBaseDType,
        };
        StepTiming plain = TimeSteps(model, lora, examples, config, options);
        StepTiming? dp = null;
        StepTiming? dpUnpacked = null;
        if (options.Dp)
        {
            // Same model, records and micro-batch; Poisson batches of about as many records as B packed rows hold
            // (B · K, or B · L / the data's mean record), so tokens are counted as processed.
            int expectedRecords = fromData ? Math.Max(1, (int)Math.Round(options.BatchSize * options.SequenceLength / meanRecordTokens)) : options.BatchSize * recordsPerRow;
            var privacy = new PrivacyConfig { NoiseMultiplier = 1.0, ExpectedBatchSize = expectedRecords, Delta = 1e-5, Seed = 0 };
            dp = TimeSteps(model, lora, examples, config with { Privacy = privacy }, options);
            if (packed)
            {
                // The same sampled records, one per row (micro-batches of B short rows): what packing saves.
                dpUnpacked = TimeSteps(model, lora, examples, config with { Privacy = privacy, Packing = false }, options);
            }
        }
        long linearParameters = model.Linears.Sum(l => l.Weight.numel()) + ((long)c.VocabSize * c.HiddenSize);
        // A packed token attends within its record only, so the useful attention work is over L / K positions, or
        // for a file's records of n tokens Σ n² / Σ n on average (what a dense mask computes beyond that is waste,
        // not model FLOPs).
        double attendedLength = fromData
            ? examples.Sum(e => (double)e.InputIds.Length * e.InputIds.Length) / examples.Sum(e => (double)e.InputIds.Length)
            : (double)options.SequenceLength / recordsPerRow;
        double flopsPerToken = (4.0 * linearParameters) + (12.0 * c.NumLayers * attendedLength * c.NumHeads * c.HeadDim);
        double modelGflops = flopsPerToken * plain.TokensPerSecond / 1e9;
        // After the steps, so its operands never count towards the training peak; best repeat over a second, so a
        // moment of contention does not lower the reference (and raise the MFU).
        GemmResult gemm = device.Type == DeviceType.CUDA
            ? OpsBenchmark.Gemm(8192, 8192, 8192, repeats: 5, options.DType, device, productsPerRepeat: 10, minimumTime: GemmReferenceTime)
            : CpuReferenceGemm(options.DType, threads!.Value);
        return new TrainBenchmarkResult(
            options.Backend,
            device.ToString(),
            BenchBackend.DeviceName(device),
            BenchBackend.DTypeName(options.DType),
            torch.version,
            model.ParameterCount,
            options.BatchSize,
            options.SequenceLength,
            options.Steps,
            plain.MicroBatchSize,
            plain.TokensPerSecond,
            plain.Seconds / options.Steps * 1e3,
            plain.PeakMemoryBytes,
            flopsPerToken,
            modelGflops,
            gemm.M,
            gemm.Gflops,
            modelGflops / gemm.Gflops,
            dp?.TokensPerSecond,
            dp?.PeakMemoryBytes,
            recordsPerRow,
            dpUnpacked?.TokensPerSecond,
            threads?.IntraOp,
            threads?.Blas,
            LossChunking.ChunkRows(options.LossChunkTokens, c.VocabSize, onCpu: device.Type == DeviceType.CPU),
            options.GradientCheckpointing,
            options.DensePackingMask && packed,
            options.LoraInBaseDType && (options.DType is ScalarType.BFloat16 or ScalarType.Float16),
            device.Type == DeviceType.CPU ? MallocHugePages.Current() : null,
            device.Type == DeviceType.CPU ? ReferenceGemmThreads(threads!.Value) : null,
            options.LoraDropout,
            !(options.VarlenAttention && packed) ? null
                : torch.nn.functional.varlen_flash_attention_runs_on(device.Type, options.DType, c.HeadDim) ? "flash_kernel" : "per_record",
            plain.Losses,
            fromData ? Path.GetFileName(options.DataFile) : null,
            fromData ? examples.Count : null,
            fromData ? read : null,
            fromData ? meanRecordTokens : null);
    }


    /// <summary>
    /// The CPU's reference GEMM on every core the training could use: OpenBLAS set to the larger of the two pools for
    /// it (then put back), since libtorch's own threads also run products (2.x's attention kernel calls the BLAS from
    /// each of them). Measured at a one-thread OpenBLAS beside two libtorch threads the reference was one core's rate
    /// and the MFU read 104–107%.
    /// </summary>
    private static GemmResult CpuReferenceGemm(ScalarType dtype, CpuThreadSettings threads)
    {
        int cores = ReferenceGemmThreads(threads);
        bool widened = threads.Blas is int blas && blas < cores && torch.set_blas_threads(cores);
        try
        {
            return OpsBenchmark.Gemm(1024, 1024, 1024, repeats: 5, dtype, Device.CPU, minimumTime: GemmReferenceTime);
        }
        finally
        {
            if (widened)
            {
                torch.set_blas_threads(threads.Blas!.Value);
            }
        }
    }

    private static int ReferenceGemmThreads(CpuThreadSettings threads) => Math.Max(threads.IntraOp, threads.Blas ?? threads.IntraOp);

    private static void Validate(TrainBenchmarkOptions options)
    {
        if (options.BatchSize < 1)
        {
            throw new ArgumentException("--batch-size must be at least 1");
        }
        if (options.SequenceLength < 2)
        {
            throw new ArgumentException("--seq-len must be at least 2 (a row needs one target token)");
        }
        if (options.Steps < 1)
        {
            throw new ArgumentException("--steps must be at least 1");
        }
        if (options.Threads is < 1 || options.BlasThreads is < 1)
        {
            throw new ArgumentException("--threads and --blas-threads must be at least 1");
        }
        if (options.LoraDropout is < 0 or >= 1)
        {
            throw new ArgumentException("--lora-dropout must lie in [0, 1)");
        }
        if (options.LossChunkTokens is < 0)
        {
            throw new ArgumentException("--loss-chunk-tokens must be 0 (whole logits) or positive");
        }
        if (options.GradientCheckpointing && options.Dp)
        {
            throw new ArgumentException("--gradient-checkpointing cannot be combined with --dp (DP-SGD keeps every layer's activations for its per-sample gradients)");
        }
        if (options.DensePackingMask && options.VarlenAttention)
        {
            throw new ArgumentException("--dense-packing-mask and --varlen-attention are two ways for packed rows to attend; give one");
        }
        if (options.DataFile is not null && options.RecordsPerRow != 1)
        {
            throw new ArgumentException("--data packs the file's examples as training does; --records-per-row is for random rows");
        }
        if (options.DataFile is not null && !File.Exists(options.DataFile))
        {
            throw new ArgumentException($"--data: no file {options.DataFile}");
        }
        if (options.RecordsPerRow < 1 || options.SequenceLength / options.RecordsPerRow < 2)
        {
            throw new ArgumentException("--records-per-row must be at least 1 and leave records of at least 2 tokens (--seq-len / K)");
        }
    }

    // The file's examples as a training job tokenizes them (the model folder's tokenizer and chat template, truncated
    // to L); all of them, so the trainer's rows cycle through the file as epochs would.
    private static (List<TokenizedExample> Kept, int Read) DataExamples(string modelFolder, string dataFile, int sequenceLength)
    {
        IReadOnlyList<TrainingExample> read = DatasetReader.ReadFile(dataFile).EnsureValid().Examples;
        var tokenizer = new ExampleTokenizer(Tokenizer.FromFolder(modelFolder), sequenceLength);
        List<TokenizedExample> kept = tokenizer.TokenizeAll(read).Examples;
        return kept.Count > 0 ? (kept, read.Count) : throw new ArgumentException($"--data: none of the {read.Count} examples keeps a token to train on within --seq-len {sequenceLength}");
    }

    private static List<TokenizedExample> RandomRows(int vocabSize, int count, int sequenceLength)
    {
        var random = new Random(0);
        return Enumerable.Range(0, count)
            .Select(_ =>
            {
                int[] ids = Enumerable.Range(0, sequenceLength).Select(_ => random.Next(vocabSize)).ToArray();
                return new TokenizedExample(ids, ids.Select((_, i) => i > 0).ToArray());
            })
            .ToList();
    }

    private static StepTiming TimeSteps(Transformer model, LoraModel lora, List<TokenizedExample> examples, TrainingConfig config, TrainBenchmarkOptions options)
    {
        Device device = options.Device;
        // The peak covers the trainer's own state and the warm-up, not just the steady state: it is what a user
        // needs to know will fit. The weights already loaded count too, since a reset starts from what is allocated.
        if (device.Type == DeviceType.CUDA)
        {
            torch.cuda.reset_peak_memory_stats(device.Index);
        }
        using var trainer = new Trainer(model, lora, examples, [], config, device);
        for (int i = 0; i < WarmupSteps; i++)
        {
            trainer.Step();
        }
        // CUDA kernels run asynchronously: the clock starts and stops only once the queue is empty.
        BenchBackend.Synchronize(device);
        long tokens = 0;
        var losses = new List<double>(options.Steps);
        int microBatchSize = config.MicroBatchSize;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < options.Steps; i++)
        {
            StepReport report = trainer.Step();
            tokens += report.Tokens;
            losses.Add(report.Loss);
            microBatchSize = report.MicroBatchSize;
        }
        BenchBackend.Synchronize(device);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new StepTiming(tokens / seconds, seconds, PeakMemoryBytes(device), microBatchSize, losses);
    }

    /// <summary>
    /// The caching allocator's peak on CUDA (what torch.cuda.max_memory_allocated reports); on the CPU the peak
    /// resident memory of this process (VmHWM), which cannot be reset, so a DP figure after it is the peak of both.
    /// </summary>
    private static long PeakMemoryBytes(Device device)
    {
        if (device.Type == DeviceType.CUDA)
        {
            return torch.cuda.memory_stats(device.Index).PeakAllocatedBytes;
        }
        string? line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) : null;
        return line is null ? 0 : StatusKilobytes(line) * 1024;
    }

    /// <summary>
    /// The number of a /proc/self/status line such as "VmHWM:\t 1720782 kB". The kernel pads it to 8 columns after
    /// the tab, so from 10,000,000 kB (9.5 GiB) on no space is left between the tab and the digits.
    /// </summary>
    internal static long StatusKilobytes(string line) =>
        long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);

    // MicroBatchSize: rows per forward pass at the end, below B when the trainer halved it after running out of memory.
    private readonly record struct StepTiming(double TokensPerSecond, double Seconds, long PeakMemoryBytes, int MicroBatchSize, IReadOnlyList<double> Losses);
}
