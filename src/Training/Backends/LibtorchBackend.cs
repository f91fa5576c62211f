using System.Diagnostics;
using System.Text.Json.Nodes;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Events;
using FineTune.Contracts.Models;
using FineTune.Text.Data;
using FineTune.Text.Tokenization;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Train;

namespace FineTune.Training.Backends;

/// <summary>
/// Training on libtorch through our binding, on the CPU (<c>libtorch-cpu</c>, fp32) or a CUDA device
/// (<c>libtorch-cuda</c>, bf16/fp16/fp32 base weights). The pipeline: read and validate the data, split it, render
/// and tokenize, load the model, attach LoRA, train.
/// </summary>
public sealed class LibtorchBackend : ITrainingBackend
{
    private readonly LibtorchDescriptor _descriptor;
    private readonly bool _cuda;

    private LibtorchBackend(LibtorchDescriptor descriptor)
    {
        _descriptor = descriptor;
        _cuda = descriptor.IsCuda;
    }

    /// <summary>The CPU backend.</summary>
    public static LibtorchBackend Cpu { get; } = new(LibtorchDescriptor.Cpu);

    /// <summary>The CUDA backend.</summary>
    public static LibtorchBackend Cuda { get; } = new(LibtorchDescriptor.Cuda);

    /// <inheritdoc />
    public string Name => _descriptor.Name;

    /// <inheritdoc />
    public string Description => _descriptor.Description;

    /// <inheritdoc />
    public JsonObject OptionsSchema => _descriptor.OptionsSchema;

    /// <inheritdoc />
    public bool IsAvailable => !_cuda || torch.cuda.is_available();

    /// <inheritdoc />
    public BackendRuntime Runtime => new("libtorch", torch.version);

    /// <inheritdoc />
    public long LiveNativeObjects => torch.live_tensor_count;

    private LibtorchOptions ParseOptions(TrainingRequest request) => _descriptor.ParseOptions(request.BackendOptions);

    /// <summary>Parses a job's options for this backend, defaults filled in; throws like <see cref="ValidateOptions"/>.</summary>
    public LibtorchOptions ParseOptions(JsonObject? options) => _descriptor.ParseOptions(options);

    /// <inheritdoc />
    public IReadOnlyList<TrainingDevice> ListDevices()
    {
        if (!_cuda || !torch.cuda.is_available())
        {
            return [];
        }
        var devices = new List<TrainingDevice>();
        for (int index = 0; index < torch.cuda.device_count(); index++)
        {
            (string model, long totalBytes) = torch.cuda.get_device_info(index);
            devices.Add(new TrainingDevice($"cuda:{index}", model, totalBytes));
        }
        return devices;
    }

    /// <inheritdoc />
    public IReadOnlyList<DeviceMemory> ReadDeviceMemory()
    {
        int count = _cuda && torch.cuda.is_available() ? torch.cuda.device_count() : 0;
        var figures = new List<DeviceMemory>(count);
        for (int index = 0; index < count; index++)
        {
            // The caching allocator's statistics are read under its own lock; no tensor is touched.
            CudaMemoryStats stats = torch.cuda.memory_stats(index);
            figures.Add(new DeviceMemory(stats.AllocatedBytes, stats.PeakAllocatedBytes, stats.TotalBytes));
        }
        return figures;
    }

    /// <inheritdoc />
    public JsonObject? AssignDevice(JsonObject? options, int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        if (!_cuda || options?.ContainsKey("device_index") == true || !torch.cuda.is_available())
        {
            return options;
        }
        var assigned = options is null ? new JsonObject() : (JsonObject)options.DeepClone();
        assigned["device_index"] = CudaDeviceForSlot(slot, torch.cuda.device_count());
        return assigned;
    }

    /// <summary>The GPU a worker slot trains on: slot mod the device count (more slots than GPUs share them).</summary>
    public static int CudaDeviceForSlot(int slot, int cudaDeviceCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        return slot % Math.Max(1, cudaDeviceCount);
    }

    /// <inheritdoc />
    public void ValidateOptions(JsonObject? options) => _descriptor.ValidateOptions(options);

    /// <inheritdoc />
    public void Validate(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Config.Validate();
        ParseOptions(request);
        if (!IsAvailable)
        {
            throw new BackendOptionsException($"backend {Name} needs a CUDA device and this machine has none (libtorch {torch.version})");
        }
        if (!File.Exists(Path.Combine(request.ModelFolder, "config.json")))
        {
            throw new FileNotFoundException($"{request.ModelFolder} is not a model folder (no config.json)");
        }
        foreach (string? file in new[] { request.DataFile, request.ValidationFile })
        {
            if (file is not null && !File.Exists(file))
            {
                throw new FileNotFoundException($"data file {file} does not exist", file);
            }
        }
        if (request.ValidationFraction is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.ValidationFraction, "validation fraction must be in [0, 1)");
        }
    }

    /// <inheritdoc />
    public TrainingResult Train(TrainingRequest request, ITrainingCallbacks callbacks, CancellationToken cancellationToken)
    {
        Validate(request);
        LibtorchOptions options = ParseOptions(request);
        // Both CPU pools are set for every job, so neither a previous job's choice nor the pools' own defaults
        // (which fight each other on the CPU; CpuThreads says how) carry over.
        CpuThreads.Apply(options.Threads);
        Device device = _cuda ? Device.CUDA(options.DeviceIndex) : Device.CPU;
        if (_cuda)
        {
            // Set for every job (1 = no cap), so a cap a previous job on this worker chose never carries over.
            torch.cuda.set_per_process_memory_fraction(options.MemoryFraction ?? 1.0, options.DeviceIndex);
        }
        try
        {
            // The kernel choice is the backend's; the trainer reads it from the config like the rest of the run.
            TrainingRequest run = options.VarlenPackedAttention ? request with { Config = request.Config with { VarlenPackedAttention = true } } : request;
            return WithOutOfMemoryTranslated(() => Run(run, ToScalarType(options.DType), device, callbacks, cancellationToken));
        }
        finally
        {
            // After Run has disposed the model, trainer and adapters, so their blocks go back to the driver too.
            if (_cuda)
            {
                ReleaseCudaCache();
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="run"/>, turning libtorch's out-of-memory error (left after the trainer's own retries at a
    /// smaller micro-batch) into the Contracts-level <see cref="DeviceOutOfMemoryException"/> the worker classifies.
    /// </summary>
    internal static T WithOutOfMemoryTranslated<T>(Func<T> run)
    {
        try
        {
            return run();
        }
        catch (TorchOutOfMemoryException exception)
        {
            throw new DeviceOutOfMemoryException(exception.Message, exception);
        }
    }

    private static ScalarType ToScalarType(WeightDType dtype) => dtype switch
    {
        WeightDType.BFloat16 => ScalarType.BFloat16,
        WeightDType.Float16 => ScalarType.Float16,
        _ => ScalarType.Float32,
    };

    // packed_attention varlen is asked for the flash kernel; without it every example would run in turn, slower than
    // the default, so the job stops with what is missing instead.
    internal static void RequireVarlenKernel(TrainingConfig config, ModelConfig model, ScalarType dtype, Device device)
    {
        if (config.VarlenPackedAttention && !torch.nn.functional.varlen_flash_attention_runs_on(device.Type, dtype, model.HeadDim))
        {
            throw new BackendOptionsException(
                $"option 'packed_attention' varlen needs libtorch's variable-length flash kernel: libtorch >= 2.5 (this worker has {torch.version}), CUDA, a bf16 or f16 base and a head size that is a multiple of 8 up to 256 (this model's: {model.HeadDim})",
                "packed_attention");
        }
    }

    // A failure to release the cache must not hide how the run ended.
    private static void ReleaseCudaCache()
    {
        try
        {
            torch.cuda.empty_cache();
        }
        catch (TorchException exception)
        {
            Trace.TraceWarning($"could not empty the CUDA cache: {exception.Message}");
        }
    }

    private static TrainingResult Run(TrainingRequest request, ScalarType dtype, Device device, ITrainingCallbacks callbacks, CancellationToken cancellationToken)
    {
        Tokenizer tokenizer = Tokenizer.FromFolder(request.ModelFolder);
        var (train, validation) = ReadExamples(request);
        var exampleTokenizer = new ExampleTokenizer(tokenizer, request.Config.MaxSeqLength, request.AllTokens, request.ChatTemplate);
        List<TokenizedExample> trainTokens = Tokenize(exampleTokenizer, train, "training", request.Config.MaxSeqLength, callbacks);
        List<TokenizedExample> validationTokens = validation.Count == 0 ? [] : Tokenize(exampleTokenizer, validation, "validation", request.Config.MaxSeqLength, callbacks);

        using Transformer model = TransformerLoader.Load(request.ModelFolder, dtype, device);
        RequireVarlenKernel(request.Config, model.Config, dtype, device);
        using var generator = new Generator(request.Config.Seed);
        using LoraModel lora = LoraModel.Attach(model, request.Config.Lora, generator);
        // A resumed audit trains on the same canaries as before: their key comes from the checkpoint.
        byte[]? canaryKey = request.Config.Audit is not null && request.ResumeFrom is not null ? Trainer.ReadCanaryKey(request.ResumeFrom) : null;
        // A checkpoint written before rows were packed by best fit decreasing resumes over the rows it planned with.
        TrainingConfig config = request.ResumeFrom is not null && request.Config.Packing && Trainer.UsesNextFitPacking(request.ResumeFrom)
            ? request.Config with { NextFitPacking = true }
            : request.Config;
        using var trainer = new Trainer(model, lora, trainTokens, validationTokens, config, device, canaryKey) { Callbacks = callbacks };
        TrainingResult result = trainer.Run(request.OutputDir, request.BaseModelName, request.ResumeFrom, cancellationToken);
        if (request.Merge)
        {
            lora.Merge();
            TransformerWriter.Save(model, request.ModelFolder, Path.Combine(request.OutputDir, "merged"));
            callbacks.OnSave(Path.Combine(request.OutputDir, "merged"));
        }
        return result;
    }

    // An example whose trained part truncation cuts away entirely would train on nothing: it is left out, and said so
    // (a run where every example is left out stops in TokenizeAll).
    private static List<TokenizedExample> Tokenize(ExampleTokenizer exampleTokenizer, IReadOnlyList<TrainingExample> examples, string split, int maxSeqLength, ITrainingCallbacks callbacks)
    {
        (List<TokenizedExample> kept, int truncated, int dropped) = exampleTokenizer.TokenizeAll(examples);
        if (dropped > 0)
        {
            callbacks.OnWarning(
                $"{dropped} of {examples.Count} {split} examples are left out: truncated to max_seq_len {maxSeqLength} tokens, they keep no "
                + $"token to train on (their prompt fills it); {truncated} in all were truncated. Raise max_seq_len or shorten the prompts.");
        }
        return kept;
    }

    private static (IReadOnlyList<TrainingExample> Train, IReadOnlyList<TrainingExample> Validation) ReadExamples(TrainingRequest request)
    {
        var readOptions = new DatasetReadOptions
        {
            Format = DatasetFormats.ParseOrAuto(request.Format),
            GroupBy = request.GroupBy,
            OrderBy = request.OrderBy,
        };
        IReadOnlyList<TrainingExample> examples = DatasetReader.ReadFile(request.DataFile, readOptions).EnsureValid().Examples;
        if (request.ValidationFile is not null)
        {
            return (examples, DatasetReader.ReadFile(request.ValidationFile, readOptions).EnsureValid().Examples);
        }
        if (request.ValidationFraction <= 0 || examples.Count < 2)
        {
            return (examples, []);
        }
        DatasetSplit split = DatasetSplit.Split(examples, request.ValidationFraction, request.Config.Seed);
        return (split.Train, split.Validation);
    }
}
