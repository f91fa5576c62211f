using FineTune.Contracts.Configs;
using FineTune.Contracts.Events;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Train;
using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Training.Tests.Train;

public class ChunkedCrossEntropyTests
{
    private const double Tolerance = 1e-5;

    // Two rows of real tokens; -100 marks targets that add nothing (a prompt, padding).
    private static readonly long[] s_ids = [1, 147, 201, 282, 215, 286, 300, 12, 1, 90, 91, 92, 93, 94, 95, 96];
    private static readonly long[] s_targets = [147, 201, -100, 215, 286, 300, 12, -100, -100, 91, 92, 93, 94, 95, 96, 97];

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    public void LossAndLoraGradients_EqualTheUnchunkedCrossEntropy(int chunkRows)
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using LoraModel lora = AttachWithNonZeroB(model);
        List<Tensor> parameters = lora.NamedParameters.Select(p => p.Value).ToList();

        (double expectedLoss, double[][] expected) = LossAndGradients(parameters, (hidden, targets) =>
            F.cross_entropy(F.linear(hidden, model.OutputWeight), targets, reduction: torch.nn.Reduction.Sum), model);
        (double actualLoss, double[][] actual) = LossAndGradients(parameters, (hidden, targets) =>
            ChunkedCrossEntropy.LossSum(hidden, model.OutputWeight, targets, -100, chunkRows), model);

        AssertClose(expectedLoss, actualLoss, Math.Abs(expectedLoss), "loss");
        for (int p = 0; p < expected.Length; p++)
        {
            AssertAllClose(expected[p], actual[p], lora.NamedParameters.ElementAt(p).Key);
        }
    }

    // A base other than fp32 takes the one-hot branch (softmax − onehot in fp32, then the cast); f64 stands in for
    // bf16 here, whose own rounding would hide a wrong gradient.
    [Fact]
    public void Float64Base_LossAndLoraGradients_EqualTheUnchunkedCrossEntropy()
    {
        using Transformer model = TransformerLoader.Load(TinyStoriesFixture.ModelFolder, ScalarType.Float64);
        using LoraModel lora = AttachWithNonZeroB(model);
        List<Tensor> parameters = lora.NamedParameters.Select(p => p.Value).ToList();

        (double expectedLoss, double[][] expected) = LossAndGradients(parameters, (hidden, targets) =>
            F.cross_entropy(F.linear(hidden, model.OutputWeight).to(ScalarType.Float32), targets, reduction: torch.nn.Reduction.Sum), model);
        (double actualLoss, double[][] actual) = LossAndGradients(parameters, (hidden, targets) =>
            ChunkedCrossEntropy.LossSum(hidden, model.OutputWeight, targets, -100, chunkRows: 3), model);

        AssertClose(expectedLoss, actualLoss, Math.Abs(expectedLoss), "loss");
        for (int p = 0; p < expected.Length; p++)
        {
            AssertAllClose(expected[p], actual[p], lora.NamedParameters.ElementAt(p).Key);
        }
    }

    [Fact]
    public void WithoutGradients_ReturnsTheLossAlone()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using var scope = TensorScope.Begin();
        using var noGrad = torch.no_grad();
        Tensor hidden = model.ForwardHidden(torch.tensor(s_ids, [2, 8])).reshape(16, -1);
        Tensor targets = torch.tensor(s_targets);

        Tensor chunked = ChunkedCrossEntropy.LossSum(hidden, model.OutputWeight, targets, -100, chunkRows: 5);

        double expected = F.cross_entropy(F.linear(hidden, model.OutputWeight), targets, reduction: torch.nn.Reduction.Sum).item();
        Assert.False(chunked.requires_grad);
        AssertClose(expected, chunked.item(), Math.Abs(expected), "loss");
    }

    // The step's loss and gradient norm (under DP the mean per-sample norm, so per-sample gradients pass through the
    // chunked loss too). Adapters after the step are not compared: AdamW's first step is g / |g| element-wise, which
    // turns last-bit differences in near-zero gradient elements into differences of a whole learning rate.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrainerStep_ChunkedOrNot_GivesTheSameLossAndGradientNorm(bool dp)
    {
        StepReport plain = OneStep(lossChunkTokens: 0, dp);
        StepReport chunked = OneStep(lossChunkTokens: 5, dp);

        AssertClose(plain.Loss, chunked.Loss, Math.Abs(plain.Loss), "loss");
        Assert.True(plain.GradNorm > 0, "a zero gradient norm would prove nothing");
        AssertClose(plain.GradNorm, chunked.GradNorm, plain.GradNorm, "gradient norm");
    }

    [Fact]
    public void NegativeChunk_IsRejectedNamingTheSetting()
    {
        var config = new TrainingConfig { LossChunkTokens = -1 };

        var error = Assert.Throws<ArgumentOutOfRangeException>(config.Validate);

        Assert.Equal(nameof(TrainingConfig.LossChunkTokens), error.ParamName);
    }

    [Theory]
    [InlineData(null, 32_000, false, 1_048)]
    [InlineData(null, 151_936, false, 220)]
    [InlineData(100, 151_936, false, 100)]
    [InlineData(100, 151_936, true, 100)]
    [InlineData(null, 151_936, true, 0)]
    [InlineData(0, 151_936, false, 0)]
    public void ChunkRows_FollowTheConfigOrTheElementBudget(int? configured, long vocabulary, bool onCpu, long expected)
    {
        Assert.Equal(expected, LossChunking.ChunkRows(configured, vocabulary, onCpu));
    }

    private static LoraModel AttachWithNonZeroB(Transformer model)
    {
        using var generator = new Generator(4);
        LoraModel lora = LoraModel.Attach(model, new LoraConfig { Rank = 2, Alpha = 4, Dropout = 0, TargetModules = ["all-linear"] }, generator);
        using (torch.no_grad())
        {
            // Non-zero B so A's gradient is not trivially zero.
            lora.Adapters.ToList().ForEach(a => a.B.normal_(0, 0.1, generator).Dispose());
        }
        return lora;
    }

    private static (double Loss, double[][] Gradients) LossAndGradients(List<Tensor> parameters, Func<Tensor, Tensor, Tensor> lossSum, Transformer model)
    {
        using var scope = TensorScope.Begin();
        Tensor hidden = model.ForwardHidden(torch.tensor(s_ids, [2, 8])); // (2, 8, C)
        Tensor loss = lossSum(hidden.reshape(16, -1), torch.tensor(s_targets));
        Tensor?[] gradients = torch.autograd.grad([loss], parameters);
        return (loss.item(), gradients.Select(g => g!.to(ScalarType.Float64).ToArray<double>()).ToArray());
    }

    private static StepReport OneStep(int lossChunkTokens, bool dp)
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using LoraModel lora = AttachWithNonZeroB(model);
        var config = new TrainingConfig
        {
            MaxSteps = 1,
            MicroBatchSize = 2,
            MaxSeqLength = 64,
            WarmupRatio = 0,
            Packing = dp,
            LossChunkTokens = lossChunkTokens,
            Lora = lora.Config,
            Privacy = dp ? new PrivacyConfig { NoiseMultiplier = 0.5, ExpectedBatchSize = 4, Delta = 1e-3, Seed = 3 } : null,
        };
        using var trainer = new Trainer(model, lora, TinyStoriesFixture.Examples(), [], config, Device.CPU);
        return trainer.Step();
    }

    // Element-wise, relative to the tensor's largest magnitude: fp32 sums in another order differ in the last bits,
    // which for an element near zero would be a large relative error of no meaning.
    private static void AssertAllClose(double[] expected, double[] actual, string what)
    {
        double scale = expected.Max(Math.Abs);
        Assert.True(scale > 0, $"{what}: the unchunked gradient is all zero, so the comparison would prove nothing");
        for (int i = 0; i < expected.Length; i++)
        {
            AssertClose(expected[i], actual[i], scale, $"{what}[{i}]");
        }
    }

    private static void AssertClose(double expected, double actual, double scale, string what)
    {
        Assert.True(Math.Abs(expected - actual) <= Tolerance * scale, $"{what}: unchunked {expected:G9} vs chunked {actual:G9}");
    }
}
