using FineTune.Contracts.Configs;
using FineTune.Torch;
using FineTune.Training.Generation;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Tests.Train;
using FineTune.Training.Train;

namespace FineTune.Training.Tests.Devices;

/// <summary>
/// The engine's device paths, run on libtorch's meta device so CI (no GPU) catches the bug class that broke every CUDA
/// run: a CPU tensor or CPU generator meeting a device tensor. The shim refuses a generator of another device type
/// and an index, mask or target on another device, exactly as CUDA kernels do; meta tensors carry shapes and dtypes
/// but no data (item() reads 0), so these tests check placement and dtypes, not values.
/// </summary>
public sealed class MetaDeviceTests
{
    private static TrainingConfig Config(bool packing, double dropout = 0.1) => new()
    {
        MaxSteps = 4,
        LearningRate = 1e-3,
        MicroBatchSize = 2,
        GradientAccumulation = 2,
        MaxSeqLength = 64,
        WarmupRatio = 0,
        Packing = packing,
        Lora = new LoraConfig { Rank = 4, Alpha = 8, Dropout = dropout, TargetModules = ["all-linear"] },
    };

    private static Transformer LoadOnMeta(ScalarType dtype = ScalarType.Float32) =>
        TransformerLoader.Load(TinyStoriesFixture.ModelFolder, dtype, Device.Meta);

    [Fact]
    public void CpuGenerator_DrawingIntoAMetaTensor_IsRefusedAsOnCuda()
    {
        using var generator = new Generator(1);
        using Tensor target = torch.empty([3, 4], ScalarType.Float32, Device.Meta);

        TorchException error = Assert.ThrowsAny<TorchException>(() => target.uniform_(-1, 1, generator));
        Assert.Contains("Expected a 'meta' device type for generator but found 'cpu'", error.Message);
        Assert.ThrowsAny<TorchException>(() => torch.randn([2], ScalarType.Float32, Device.Meta, generator));
    }

    [Fact]
    public void CpuIndex_IntoAMetaEmbedding_IsRefusedAsOnCuda()
    {
        using Tensor weight = torch.empty([10, 4], ScalarType.Float32, Device.Meta);
        using Tensor ids = torch.tensor(new long[] { 1, 2 }, [1, 2]);

        TorchException error = Assert.ThrowsAny<TorchException>(() => torch.nn.functional.embedding(ids, weight));
        Assert.Contains("index is on cpu", error.Message);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void LoraAttach_OnAMetaModel_DrawsOnTheCpuAndKeepsFloat32AdaptersOnTheModelsDevice(ScalarType baseDType)
    {
        using Transformer model = LoadOnMeta(baseDType);
        using var generator = new Generator(7);

        using LoraModel lora = LoraModel.Attach(model, Config(packing: true).Lora, generator);

        Assert.All(lora.NamedParameters, p =>
        {
            Assert.Equal(DeviceType.Meta, p.Value.device.Type);
            Assert.Equal(ScalarType.Float32, p.Value.dtype);
        });
    }

    [Theory]
    [InlineData(true, ScalarType.Float32, false)]
    [InlineData(false, ScalarType.Float32, false)]
    [InlineData(true, ScalarType.BFloat16, false)]
    [InlineData(true, ScalarType.BFloat16, true)] // packed rows through variable-length attention
    public void TrainingSteps_OnMeta_RunWithDropoutPackingAndEvaluation(bool packing, ScalarType baseDType, bool varlen)
    {
        using Transformer model = LoadOnMeta(baseDType);
        using var generator = new Generator(7);
        TrainingConfig config = Config(packing) with { VarlenPackedAttention = varlen };
        using LoraModel lora = LoraModel.Attach(model, config.Lora, generator);
        List<TokenizedExample> examples = TinyStoriesFixture.Examples();
        using var trainer = new Trainer(model, lora, examples, examples.Take(2).ToList(), config, Device.Meta);

        trainer.Step();
        trainer.Step();
        trainer.Evaluate();

        Assert.Equal(2, trainer.StepsDone);
        Assert.All(lora.NamedParameters, p => Assert.Equal(ScalarType.Float32, p.Value.dtype));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DpSteps_OnMeta_ClipAndNoiseOnTheModelsDevice(bool entityLevel)
    {
        using Transformer model = LoadOnMeta(ScalarType.BFloat16);
        using var generator = new Generator(7);
        var privacy = new PrivacyConfig { NoiseMultiplier = 1.0, ExpectedBatchSize = 3, Delta = 1e-3, Seed = 3, EntityLevel = entityLevel };
        TrainingConfig config = Config(packing: false) with { Privacy = privacy };
        using LoraModel lora = LoraModel.Attach(model, config.Lora, generator);
        List<TokenizedExample> examples = TinyStoriesFixture.Examples()
            .Select((e, i) => e with { EntityKey = $"person-{i % 3}" })
            .ToList();
        using var trainer = new Trainer(model, lora, examples, [], config, Device.Meta);

        trainer.Step();
        trainer.Step();

        Assert.Equal(2, trainer.StepsDone);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GenerationSteps_OnMeta_FeedTokenIdsOnTheModelsDevice(bool useCache)
    {
        using Transformer model = LoadOnMeta(ScalarType.BFloat16);
        using var generator = new Generator(1);
        using LoraModel lora = LoraModel.Attach(model, Config(packing: true).Lora, generator);
        lora.SetTraining(false);
        using var noGrad = torch.no_grad();
        using KvCache? cache = useCache ? new KvCache(model.Config.NumLayers) : null;
        var sequence = new List<int> { 1, 5, 9 };

        for (int step = 0; step < 3; step++)
        {
            using Tensor logits = TextGenerator.NextLogits(model, sequence, cache);
            Assert.Equal(DeviceType.Meta, logits.device.Type);
            Assert.Equal([(long)model.Config.VocabSize], logits.shape);
            sequence.Add(step + 2);
        }
        Assert.Equal(useCache ? 5 : 0, cache?.Length ?? 0);
    }

    [Fact]
    public void Merge_OfFloat32AdaptersIntoBf16Weights_RunsOnMeta()
    {
        using Transformer model = LoadOnMeta(ScalarType.BFloat16);
        using var generator = new Generator(1);
        using LoraModel lora = LoraModel.Attach(model, Config(packing: true).Lora, generator);

        lora.Merge();
        lora.Unmerge();

        Assert.All(model.Linears, l => Assert.Equal(ScalarType.BFloat16, l.Weight.dtype));
    }
}
