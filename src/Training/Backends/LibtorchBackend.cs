using System.Diagnostics;
using System.Text.Json.Nodes;
using FineTune.Torch;
using FineTune.Training.Data;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Tokenization;
using FineTune.Training.Train;

namespace FineTune.Training.Backends;

/// <summary>
/// Training on libtorch through our binding, on the CPU (<c>libtorch-cpu</c>, fp32) or a CUDA device
/// (<c>libtorch-cuda</c>, bf16/fp16/fp32 base weights). The pipeline: read and validate the data, split it, render
/// and tokenize, load the model, attach LoRA, train.
/// </summary>
public sealed class LibtorchBackend : ITrainingBackend
{
    private static readonly string[] s_cpuOptions = ["threads"];
    private static readonly string[] s_cudaOptions = ["device_index", "dtype", "memory_fraction"];
    private readonly bool _cuda;

    private LibtorchBackend(bool cuda)
    {
        _cuda = cuda;
    }

    /// <summary>The CPU backend.</summary>
    public static LibtorchBackend Cpu { get; } = new(cuda: false);

    /// <summary>The CUDA backend.</summary>
    public static LibtorchBackend Cuda { get; } = new(cuda: true);

    /// <inheritdoc />
    public string Name => _cuda ? "libtorch-cuda" : "libtorch-cpu";

    /// <inheritdoc />
    public string Description => _cuda
        ? "LoRA on a CUDA GPU through libtorch; base weights in bf16 (default), fp16 or fp32"
        : "LoRA on the CPU through libtorch (fp32); for small models, tests and development";

    /// <inheritdoc />
    public JsonObject OptionsSchema => _cuda
        ? LibtorchOptions.Schema("libtorch-cuda options", new JsonObject
        {
            ["device_index"] = LibtorchOptions.Property("integer", "CUDA device ordinal", 0, minimum: 0),
            ["dtype"] = LibtorchOptions.Property("string", "dtype of the frozen base weights (LoRA weights and optimizer state are always float32)", "bf16", new JsonArray("bf16", "f16", "f32")),
            ["memory_fraction"] = new JsonObject
            {
                ["type"] = "number",
                ["description"] = "cap on this job's share of the GPU's memory; past it a step halves its micro-batch and retries",
                ["exclusiveMinimum"] = 0,
                ["maximum"] = 1,
            },
        })
        : LibtorchOptions.Schema("libtorch-cpu options", new JsonObject
        {
            ["threads"] = LibtorchOptions.Property("integer", "intra-op CPU threads (default: libtorch's choice)", minimum: 1),
        });

    /// <inheritdoc />
    public bool IsAvailable => !_cuda || torch.cuda.is_available();

    private LibtorchOptions ParseOptions(TrainingRequest request) =>
        LibtorchOptions.Parse(request.BackendOptions, Name, _cuda ? s_cudaOptions : s_cpuOptions, _cuda ? ScalarType.BFloat16 : ScalarType.Float32);

    /// <summary>Parses a job's options for this backend, defaults filled in; throws like <see cref="ValidateOptions"/>.</summary>
    public LibtorchOptions ParseOptions(JsonObject? options) =>
        LibtorchOptions.Parse(options, Name, _cuda ? s_cudaOptions : s_cpuOptions, _cuda ? ScalarType.BFloat16 : ScalarType.Float32);

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
    public void ValidateOptions(JsonObject? options) =>
        LibtorchOptions.Parse(options, Name, _cuda ? s_cudaOptions : s_cpuOptions, _cuda ? ScalarType.BFloat16 : ScalarType.Float32);

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
        if (options.Threads is int threads)
        {
            torch.set_num_threads(threads);
        }
        Device device = _cuda ? Device.CUDA(options.DeviceIndex) : Device.CPU;
        if (_cuda)
        {
            // Set for every job (1 = no cap), so a cap a previous job on this worker chose never carries over.
            torch.cuda.set_per_process_memory_fraction(options.MemoryFraction ?? 1.0, options.DeviceIndex);
        }
        try
        {
            return Run(request, options.DType, device, callbacks, cancellationToken);
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
        List<TokenizedExample> trainTokens = exampleTokenizer.TokenizeAll(train).Examples;
        List<TokenizedExample> validationTokens = validation.Count == 0 ? [] : exampleTokenizer.TokenizeAll(validation).Examples;

        using Transformer model = TransformerLoader.Load(request.ModelFolder, dtype, device);
        using var generator = new Generator(request.Config.Seed);
        using LoraModel lora = LoraModel.Attach(model, request.Config.Lora, generator);
        using var trainer = new Trainer(model, lora, trainTokens, validationTokens, request.Config, device) { Callbacks = callbacks };
        TrainingResult result = trainer.Run(request.OutputDir, request.BaseModelName, request.ResumeFrom, cancellationToken);
        if (request.Merge)
        {
            lora.Merge();
            TransformerWriter.Save(model, request.ModelFolder, Path.Combine(request.OutputDir, "merged"));
            callbacks.OnSave(Path.Combine(request.OutputDir, "merged"));
        }
        return result;
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
