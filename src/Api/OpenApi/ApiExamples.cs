using System.Text.Json.Nodes;
using FineTune.Api.Contracts;
using FineTune.Contracts.Backends;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.OpenApi;

/// <summary>One realistic instance of every type the API sends or accepts, shown as the schema's example.</summary>
internal static class ApiExamples
{
    private static readonly Guid s_datasetId = Guid.Parse("0197a3c2-5b1e-7c4d-9e2f-1a2b3c4d5e6f");
    private static readonly Guid s_jobId = Guid.Parse("0197a3c4-0a11-7f00-8b5c-6d7e8f901234");
    private const long CreatedAt = 1767225600;
    private const string Sha256 = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

    public static object? For(Type type)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ListResponse<>))
        {
            Type item = type.GetGenericArguments()[0];
            object? example = For(item);
            return example is null ? null : Activator.CreateInstance(type, CreateList(item, example), false);
        }
        return type.Name switch
        {
            nameof(DatasetDto) => new DatasetDto(s_datasetId, "support-chats.jsonl", "messages", 1200, 2_345_678, Sha256, "fine-tune", CreatedAt),
            nameof(DatasetErrorDto) => new DatasetErrorDto(3, 2, "messages[1].role", "unknown role 'bot'; use system, user, assistant or tool"),
            nameof(DeletedDto) => new DeletedDto(s_datasetId, "dataset", Deleted: true),
            nameof(ModelDto) => new ModelDto("tinystories-656k", "llama", 656_768, 512, 2048),
            nameof(BackendDto) => new BackendDto(LibtorchDescriptor.Cuda.Name, LibtorchDescriptor.Cuda.Description, LibtorchDescriptor.Cuda.OptionsSchema, 2, null),
            nameof(WorkerDto) => new WorkerDto("gpu-01:4121:9f2c1a0b", "gpu-01", ["libtorch-cuda", "libtorch-cpu"], 84_987_740_160, Busy: true, s_jobId, CreatedAt, CreatedAt + 3600),
            nameof(ArtifactDto) => Artifact(),
            nameof(CheckpointDto) => new CheckpointDto(Guid.Parse("0197a3c6-1111-7222-8333-944455566677"), 200, 1, CreatedAt + 600),
            nameof(JobEventDto) => new JobEventDto(42, "step", JsonNode.Parse("""{"step":42,"total_steps":300,"loss":1.873,"lr":0.0002,"grad_norm":0.91,"epsilon":1.27,"tokens_per_second":5120.0}"""), 1, CreatedAt + 120),
            nameof(JobDto) => Job(),
            nameof(HyperparametersDto) => Job().Hyperparameters,
            nameof(LoraDto) => Job().Lora,
            nameof(PrivacyDto) => Job().Privacy,
            nameof(ProgressDto) => Job().Progress,
            nameof(JobErrorDto) => new JobErrorDto("out_of_memory", "CUDA out of memory at micro-batch 1; use a smaller max_seq_len", null),
            nameof(JobCreateRequest) => new JobCreateRequest
            {
                Model = "tinystories-656k",
                TrainingFile = s_datasetId.ToString(),
                Backend = "libtorch-cuda",
                BackendOptions = new JsonObject { ["dtype"] = "bf16" },
                Hyperparameters = new JsonObject { ["n_epochs"] = 3, ["learning_rate"] = "auto", ["batch_size"] = 8 },
                Lora = new JsonObject { ["r"] = 16, ["alpha"] = 32, ["target_modules"] = "all-linear" },
                Privacy = new JsonObject { ["target_epsilon"] = 8, ["delta"] = "auto", ["max_grad_norm"] = 1.0 },
                Seed = 7,
                Metadata = new Dictionary<string, string> { ["team"] = "support" },
            },
            nameof(HealthStatus) => new HealthStatus("ok"),
            nameof(ReadinessStatus) => new ReadinessStatus("ready", Database: true, []),
            nameof(HttpValidationProblemDetails) => new HttpValidationProblemDetails(new Dictionary<string, string[]>
            {
                ["backend_options.dtype"] = ["backend libtorch-cpu does not support option 'dtype'; its options are: threads"],
            })
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "One or more fields are invalid.",
            },
            nameof(ProblemDetails) => new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Not Found", Detail = $"no job {s_jobId}" },
            _ => null,
        };
    }

    private static ArtifactDto Artifact(string name = "adapter_model.safetensors", string kind = "output")
    {
        return new ArtifactDto(name, kind, "application/octet-stream", 1_204_224, Sha256, CreatedAt + 900);
    }

    private static JobDto Job()
    {
        return new JobDto
        {
            Id = s_jobId,
            Status = "running",
            Model = "tinystories-656k",
            TrainingFile = s_datasetId.ToString(),
            Backend = "libtorch-cuda",
            RequiredMemoryBytes = 1_458_773_785,
            BackendOptions = new JsonObject { ["dtype"] = "bf16" },
            Hyperparameters = new HyperparametersDto(3, null, 8, "auto", 1, 512, "cosine", 0.03, 0, 1.0, 0, 0, true, false),
            Lora = new LoraDto(16, 32, 0.05, ["all-linear"], false),
            Privacy = new PrivacyDto(8, 1.9e-5, 1.0, 0.83, "rdp", 16, "record", 1.27),
            Seed = 7,
            Metadata = new Dictionary<string, string> { ["team"] = "support" },
            Progress = new ProgressDto(42, 300, 14),
            TrainedTokens = 172_032,
            Attempt = 1,
            CreatedAt = CreatedAt,
            StartedAt = CreatedAt + 5,
        };
    }

    private static System.Collections.IList CreateList(Type item, object example)
    {
        System.Collections.IList list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(item))!;
        list.Add(example);
        return list;
    }
}
