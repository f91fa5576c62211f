using System.Text.Json.Nodes;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Models;

namespace FineTune.Contracts.Tests.Backends;

public class MemoryEstimateTests
{
    private const long GiB = 1L << 30;

    // meta-llama/Llama-3.2-1B's config.json: 1,235,814,400 parameters with the tied head.
    private static readonly ModelConfig s_llama32_1b = new()
    {
        ModelType = "llama",
        HiddenSize = 2048,
        IntermediateSize = 8192,
        NumLayers = 16,
        NumHeads = 32,
        NumKeyValueHeads = 8,
        HeadDim = 64,
        VocabSize = 128_256,
        TieWordEmbeddings = true,
    };

    private static readonly TrainingConfig s_b8L1024 = new() { MicroBatchSize = 8, MaxSeqLength = 1024 };

    private static MemoryEstimate Estimate(TrainingConfig config, WeightDType dtype = WeightDType.BFloat16, bool cuda = true)
    {
        return MemoryEstimate.For(s_llama32_1b, WeightLayout.Of(s_llama32_1b).ParameterCount, config, dtype, cuda);
    }

    [Fact]
    public void LoraParameterCount_CountsRankTimesInPlusOut_OfEveryLinearLayerByDefault()
    {
        // q, o: 2048 -> 2048; k, v: 2048 -> 512 (8 kv heads of 64); gate, up: 2048 -> 8192; down: 8192 -> 2048; r = 8; 16 layers.
        long attention = 16 * 8 * ((2 * (2048 + 2048)) + (2 * (2048 + 512)));
        long mlp = 16 * 8 * 3 * (2048 + 8192);

        Assert.Equal(attention, MemoryEstimate.LoraParameterCount(s_llama32_1b, new LoraConfig { TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj"] }));
        Assert.Equal(attention + mlp, MemoryEstimate.LoraParameterCount(s_llama32_1b, new LoraConfig()));
    }

    [Fact]
    public void For_Llama32_1b_Bf16_B8_L1024_IsPlausible()
    {
        MemoryEstimate estimate = Estimate(s_b8L1024);

        // Weights 2.3 GiB, activations 32 GiB, logits 16 GiB, slack 5, CUDA 1: a 1B model at 8 x 1024 tokens without
        // recomputation needs an 80 GB-class GPU, not a 24 GB one (HF + PEFT with eager attention peaks at 52-57 GiB).
        Assert.Equal(1_235_814_400L * 2, estimate.WeightsBytes);
        Assert.Equal(MemoryEstimate.CudaRuntimeBytes, estimate.RuntimeBytes);
        Assert.InRange(estimate.TotalBytes, 40 * GiB, 60 * GiB);
        Assert.Equal((estimate.WeightsBytes + estimate.AdapterBytes + estimate.ActivationBytes + estimate.LogitsBytes) / 10, estimate.SlackBytes);
        Assert.Equal(estimate.WeightsBytes + estimate.AdapterBytes + estimate.ActivationBytes + estimate.LogitsBytes + estimate.SlackBytes + estimate.RuntimeBytes, estimate.TotalBytes);
    }

    [Fact]
    public void For_GrowsWithBatchAndSequenceLength()
    {
        long small = Estimate(s_b8L1024 with { MicroBatchSize = 1, MaxSeqLength = 256 }).TotalBytes;
        long longer = Estimate(s_b8L1024 with { MicroBatchSize = 1 }).TotalBytes;
        long wider = Estimate(s_b8L1024 with { MaxSeqLength = 256 }).TotalBytes;
        long both = Estimate(s_b8L1024).TotalBytes;

        Assert.True(small < longer);
        Assert.True(small < wider);
        Assert.True(longer < both);
        Assert.True(wider < both);
    }

    [Fact]
    public void For_F32CostsMoreThanHalfPrecision()
    {
        long bf16 = Estimate(s_b8L1024).TotalBytes;
        long f16 = Estimate(s_b8L1024, WeightDType.Float16).TotalBytes;
        long f32 = Estimate(s_b8L1024, WeightDType.Float32).TotalBytes;

        Assert.Equal(bf16, f16);
        Assert.True(f32 > bf16);
        Assert.Equal(2 * Estimate(s_b8L1024).WeightsBytes, Estimate(s_b8L1024, WeightDType.Float32).WeightsBytes);
    }

    [Fact]
    public void For_AutoBatch_CountsOneRowAndDpAddsPerSampleGradients()
    {
        long autoBatch = Estimate(s_b8L1024 with { AutoMicroBatch = true }).TotalBytes;
        long oneRow = Estimate(s_b8L1024 with { MicroBatchSize = 1 }).TotalBytes;
        long withDp = Estimate(s_b8L1024 with { Privacy = new PrivacyConfig { NoiseMultiplier = 1.0 } }).TotalBytes;

        Assert.Equal(oneRow, autoBatch);
        Assert.True(withDp > Estimate(s_b8L1024).TotalBytes);
    }

    [Fact]
    public void ForJob_ReadsTheBackendAndItsDtype()
    {
        long parameters = WeightLayout.Of(s_llama32_1b).ParameterCount;

        MemoryEstimate cudaDefault = MemoryEstimate.ForJob(s_llama32_1b, parameters, "libtorch-cuda", null, s_b8L1024);
        MemoryEstimate cudaF32 = MemoryEstimate.ForJob(s_llama32_1b, parameters, "libtorch-cuda", new JsonObject { ["dtype"] = "f32" }, s_b8L1024);
        MemoryEstimate cpu = MemoryEstimate.ForJob(s_llama32_1b, parameters, "libtorch-cpu", new JsonObject { ["threads"] = 2 }, s_b8L1024);

        Assert.Equal(Estimate(s_b8L1024), cudaDefault);
        Assert.Equal(Estimate(s_b8L1024, WeightDType.Float32), cudaF32);
        Assert.Equal(Estimate(s_b8L1024, WeightDType.Float32, cuda: false), cpu);
        Assert.Equal(MemoryEstimate.CpuRuntimeBytes, cpu.RuntimeBytes);
        Assert.Throws<BackendOptionsException>(() => MemoryEstimate.ForJob(s_llama32_1b, parameters, "no-such-backend", null, s_b8L1024));
    }

    [Theory]
    [InlineData(WeightDType.BFloat16, false)]
    [InlineData(WeightDType.Float32, false)]
    [InlineData(WeightDType.BFloat16, true)]
    public void PerSequenceBytes_IsWhatOneMoreSequenceAddsToTheEstimate_WithItsSlack(WeightDType dtype, bool dp)
    {
        TrainingConfig config = dp ? s_b8L1024 with { Privacy = new PrivacyConfig { NoiseMultiplier = 1.0 } } : s_b8L1024;
        MemoryEstimate eight = Estimate(config, dtype);
        MemoryEstimate nine = Estimate(config with { MicroBatchSize = 9 }, dtype);
        long grown = (nine.AdapterBytes + nine.ActivationBytes + nine.LogitsBytes) - (eight.AdapterBytes + eight.ActivationBytes + eight.LogitsBytes);

        long perSequence = MemoryEstimate.PerSequenceBytes(s_llama32_1b, config, dtype);

        Assert.Equal(grown + (grown / 10), perSequence);
        Assert.InRange(nine.SlackBytes - eight.SlackBytes, (grown / 10) - 1, (grown / 10) + 1);
    }
}
