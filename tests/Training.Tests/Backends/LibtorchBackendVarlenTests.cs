using FineTune.Contracts.Backends;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Models;
using FineTune.Torch;
using FineTune.Training.Backends;
using FineTune.Training.Tests.Train;

namespace FineTune.Training.Tests.Backends;

/// <summary>packed_attention varlen asks for libtorch's flash kernel; a job that cannot have it stops with what is missing.</summary>
public class LibtorchBackendVarlenTests
{
    private static readonly TrainingConfig Varlen = new() { VarlenPackedAttention = true };

    [Fact]
    public void WithoutTheKernel_TheJobStops_NamingTheOptionAndWhatIsMissing()
    {
        ModelConfig model = ModelConfig.FromFile(Path.Combine(TinyStoriesFixture.ModelFolder, "config.json"));

        // Here the kernel cannot run: no CUDA (and on libtorch 1.13 not built in either).
        var error = Assert.Throws<BackendOptionsException>(() => LibtorchBackend.RequireVarlenKernel(Varlen, model, ScalarType.BFloat16, Device.CPU));

        Assert.Equal("packed_attention", error.ParamName);
        Assert.Contains("libtorch >= 2.5", error.Message);
        Assert.Contains($"this worker has {torch.version}", error.Message);
        Assert.Contains($"this model's: {model.HeadDim}", error.Message);
    }

    [Fact]
    public void WithoutVarlen_NothingIsRequired()
    {
        ModelConfig model = ModelConfig.FromFile(Path.Combine(TinyStoriesFixture.ModelFolder, "config.json"));

        LibtorchBackend.RequireVarlenKernel(new TrainingConfig(), model, ScalarType.Float32, Device.CPU);
    }
}
