using System.Text.Json.Nodes;

namespace FineTune.Contracts.Backends;

/// <summary>
/// The libtorch backends as the service sees them: <c>libtorch-cpu</c> (fp32) and <c>libtorch-cuda</c> (bf16/fp16/fp32
/// base weights), their options and schemas. Training itself lives in FineTune.Training's <c>LibtorchBackend</c>.
/// </summary>
public sealed class LibtorchDescriptor : IBackendDescriptor
{
    private static readonly string[] s_cpuOptions = ["threads"];
    private static readonly string[] s_cudaOptions = ["device_index", "dtype", "memory_fraction", "packed_attention"];

    private LibtorchDescriptor(bool cuda)
    {
        IsCuda = cuda;
    }

    /// <summary>The CPU backend.</summary>
    public static LibtorchDescriptor Cpu { get; } = new(cuda: false);

    /// <summary>The CUDA backend.</summary>
    public static LibtorchDescriptor Cuda { get; } = new(cuda: true);

    /// <summary>Whether this is the CUDA backend.</summary>
    public bool IsCuda { get; }

    /// <inheritdoc />
    public string Name => IsCuda ? "libtorch-cuda" : "libtorch-cpu";

    /// <inheritdoc />
    public string Description => IsCuda
        ? "LoRA on a CUDA GPU through libtorch; base weights in bf16 (default), fp16 or fp32"
        : "LoRA on the CPU through libtorch (fp32); for small models, tests and development";

    /// <inheritdoc />
    public JsonObject OptionsSchema => IsCuda
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
            ["packed_attention"] = LibtorchOptions.Property("string", "how packed rows' examples attend within themselves: auto (per-example batches, or one block mask where cheaper) or varlen (libtorch's variable-length flash kernel, with bf16 or f16 base weights on libtorch >= 2.5; elsewhere each example in turn); the same losses either way", "auto", new JsonArray("auto", "varlen")),
        })
        : LibtorchOptions.Schema("libtorch-cpu options", new JsonObject
        {
            ["threads"] = LibtorchOptions.Property("integer", "intra-op CPU threads (default: every logical core, half where the pools' idle threads spin; OpenBLAS gets the same)", minimum: 1),
        });

    /// <summary>Parses a job's options for this backend, defaults filled in; throws like <see cref="ValidateOptions"/>.</summary>
    public LibtorchOptions ParseOptions(JsonObject? options) =>
        LibtorchOptions.Parse(options, Name, IsCuda ? s_cudaOptions : s_cpuOptions, IsCuda ? WeightDType.BFloat16 : WeightDType.Float32);

    /// <inheritdoc />
    public void ValidateOptions(JsonObject? options) => ParseOptions(options);
}
