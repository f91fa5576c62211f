using FineTune.Contracts.Configs;
using FineTune.Contracts.Events;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;

namespace FineTune.Training.Tests.Train;

/// <summary>
/// LoRA branches computing in a 16-bit base's dtype (TrainingConfig.LoraInBaseDType) against the float32 branch
/// PEFT uses, on tinystories-656k loaded in bf16 on the CPU. bf16 keeps 8 significant bits, so agreement is to ~1%.
/// </summary>
public sealed class LoraComputeDTypeTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "finetune-lora-dtype-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void ComputeDType_IsTheAdaptersOrTheBaseWeightsDType_NothingElse()
    {
        using Transformer model = TransformerLoader.Load(TinyStoriesFixture.ModelFolder, ScalarType.BFloat16);
        using var generator = new Generator(0);
        using LoraModel lora = LoraModel.Attach(model, new LoraConfig { Rank = 4, Alpha = 8, TargetModules = ["q_proj"] }, generator);
        LoraLinear adapter = lora.Adapters[0];

        Assert.Equal(ScalarType.Float32, adapter.ComputeDType);
        adapter.ComputeDType = ScalarType.BFloat16;
        Assert.Equal(ScalarType.BFloat16, adapter.ComputeDType);
        var error = Assert.Throws<ArgumentException>(() => adapter.ComputeDType = ScalarType.Float16);
        Assert.Contains("base weights", error.Message);
    }

    [Fact]
    public void Bf16Branch_GivesTheFloat32BranchsOutputAndGradients_ToBf16Precision()
    {
        using Transformer model = TransformerLoader.Load(TinyStoriesFixture.ModelFolder, ScalarType.BFloat16);
        using var generator = new Generator(0);
        using LoraModel lora = LoraModel.Attach(model, new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0, TargetModules = ["gate_proj"] }, generator);
        LoraLinear adapter = lora.Adapters[0];
        using var scope = TensorScope.Begin();
        using (torch.no_grad())
        {
            // B starts at zero; a trained-looking B makes the output and A's gradient non-trivial.
            adapter.B.copy_(torch.randn(adapter.B.shape, ScalarType.Float32, generator: generator).mul(0.1)).Dispose();
        }
        Tensor input = torch.randn([2, 8, adapter.Target.InFeatures], ScalarType.Float32, generator: generator).to(ScalarType.BFloat16);
        Tensor weights = torch.randn([2, 8, adapter.Target.OutFeatures], ScalarType.Float32, generator: generator);

        (Tensor Output, float[] GradA, float[] GradB) Run(ScalarType compute)
        {
            adapter.ComputeDType = compute;
            Tensor output = adapter.Forward(input);
            output.to(ScalarType.Float32).mul(weights).sum().backward();
            float[] gradA = adapter.A.grad()!.ToArray<float>(), gradB = adapter.B.grad()!.ToArray<float>();
            adapter.A.grad()!.zero_().Dispose();
            adapter.B.grad()!.zero_().Dispose();
            return (output.detach(), gradA, gradB);
        }
        (Tensor full, float[] fullA, float[] fullB) = Run(ScalarType.Float32);
        (Tensor half, float[] halfA, float[] halfB) = Run(ScalarType.BFloat16);

        Assert.Equal(ScalarType.BFloat16, half.dtype);
        double outputError = RelativeError(half.to(ScalarType.Float32).ToArray<float>(), full.to(ScalarType.Float32).ToArray<float>());
        Assert.True(outputError < 2e-2, $"output: {outputError}");
        Assert.True(RelativeError(halfA, fullA) < 3e-2, $"grad A: {RelativeError(halfA, fullA)}");
        Assert.True(RelativeError(halfB, fullB) < 3e-2, $"grad B: {RelativeError(halfB, fullB)}");
        Assert.Equal(ScalarType.Float32, adapter.A.dtype);
    }

    [Fact]
    public void Training_Bf16Base_FollowsTheFloat32BranchsLosses_AndAnF32BaseIsUntouched()
    {
        TrainingConfig config = new()
        {
            MaxSteps = 4,
            LearningRate = 5e-3,
            MicroBatchSize = 2,
            MaxSeqLength = 96,
            WarmupRatio = 0,
            Lora = new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0, TargetModules = ["all-linear"] },
        };

        IReadOnlyList<double> full = Train(config, ScalarType.BFloat16, "bf16-f32-branch").LossHistory;
        IReadOnlyList<double> half = Train(config with { LoraInBaseDType = true }, ScalarType.BFloat16, "bf16-bf16-branch").LossHistory;

        Assert.Equal(4, half.Count);
        for (int step = 0; step < 4; step++)
        {
            Assert.True(Math.Abs(half[step] - full[step]) < 1e-2 * full[step], $"step {step + 1}: {half[step]} vs {full[step]}");
        }
        Assert.True(half[^1] < half[0], $"loss {half[0]} -> {half[^1]}");
        Assert.NotEqual(full, half); // the flag reached the adapters: bf16 rounding shows in the losses
        Assert.Equal(
            Train(config, ScalarType.Float32, "f32").LossHistory,
            Train(config with { LoraInBaseDType = true }, ScalarType.Float32, "f32-flag").LossHistory);
    }

    [Fact]
    public void DpTraining_Bf16Branch_ClipsAndNoisesPerSampleGradients()
    {
        // The DP path regroups the branch's own x̃, h and ∂loss/∂delta (here bf16) into float32 per-sample gradients.
        TrainingConfig config = new()
        {
            MaxSteps = 3,
            LearningRate = 5e-3,
            MicroBatchSize = 2,
            MaxSeqLength = 96,
            WarmupRatio = 0,
            LoraInBaseDType = true,
            Lora = new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0.1, TargetModules = ["q_proj", "down_proj"] },
            Privacy = new PrivacyConfig { NoiseMultiplier = 1.0, ExpectedBatchSize = 3, Delta = 1e-3, Seed = 5 },
        };

        TrainingResult result = Train(config, ScalarType.BFloat16, "dp");

        Assert.Equal(3, result.Steps);
        Assert.All(result.LossHistory, loss => Assert.True(double.IsFinite(loss) && loss > 0));
        Assert.True(result.Privacy!.Epsilon > 0);
    }

    private TrainingResult Train(TrainingConfig config, ScalarType dtype, string name) =>
        TinyStoriesFixture.Train(config, Path.Combine(_folder, name), dtype);

    // max |a − b| / max |b|.
    private static double RelativeError(float[] actual, float[] expected) =>
        actual.Zip(expected, (a, b) => Math.Abs(a - b)).Max() / expected.Max(Math.Abs);
}
