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
        MemoryEstimate estimate = Estimate(s_b8L1024 with { LossChunkTokens = 0 });

        // Weights 2.3 GiB, activations 32 GiB, whole logits 16 GiB, slack 5, CUDA 1: a 1B model at 8 x 1024 tokens
        // without recomputation needs an 80 GB-class GPU, not a 24 GB one (HF + PEFT with eager attention, whose
        // logits are whole, peaks at 52-57 GiB). CUDA's default chunked loss takes the logits to 0.6 GiB: 39.7 in all.
        Assert.InRange(Estimate(s_b8L1024).TotalBytes, 35 * GiB, 45 * GiB);
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

    // Whole logits (the CPU's default) grow with every sequence, as the activations do.
    [Theory]
    [InlineData(WeightDType.BFloat16, false, false)]
    [InlineData(WeightDType.Float32, false, false)]
    [InlineData(WeightDType.BFloat16, true, false)]
    [InlineData(WeightDType.BFloat16, false, true)]
    public void PerSequenceBytes_IsWhatOneMoreSequenceAddsToTheEstimate_WithItsSlack(WeightDType dtype, bool dp, bool checkpointing)
    {
        TrainingConfig config = (dp ? s_b8L1024 with { Privacy = new PrivacyConfig { NoiseMultiplier = 1.0 } } : s_b8L1024) with { GradientCheckpointing = checkpointing };
        MemoryEstimate eight = Estimate(config, dtype, cuda: false);
        MemoryEstimate nine = Estimate(config with { MicroBatchSize = 9 }, dtype, cuda: false);
        long grown = (nine.AdapterBytes + nine.ActivationBytes + nine.LogitsBytes) - (eight.AdapterBytes + eight.ActivationBytes + eight.LogitsBytes);

        long perSequence = MemoryEstimate.PerSequenceBytes(s_llama32_1b, config, dtype, cuda: false);

        Assert.Equal(grown + (grown / 10), perSequence);
        Assert.InRange(nine.SlackBytes - eight.SlackBytes, (grown / 10) - 1, (grown / 10) + 1);
    }

    // Chunked logits (CUDA's default): one chunk whatever the batch, plus dL/dh (3 · s_w · C per token). The per-sequence
    // figure charges each sequence a chunk of its own, so an automatic micro-batch never counts on sharing one.
    [Fact]
    public void PerSequenceBytes_WithChunkedLogits_ChargesEachSequenceOneChunk()
    {
        long chunkRows = LossChunking.ChunkRows(null, s_llama32_1b.VocabSize, onCpu: false);
        long hiddenGradientPerSequence = 3 * 2 * 1024L * s_llama32_1b.HiddenSize;
        MemoryEstimate eight = Estimate(s_b8L1024);
        MemoryEstimate nine = Estimate(s_b8L1024 with { MicroBatchSize = 9 });
        long grown = (nine.ActivationBytes + nine.LogitsBytes) - (eight.ActivationBytes + eight.LogitsBytes);

        long perSequence = MemoryEstimate.PerSequenceBytes(s_llama32_1b, s_b8L1024, WeightDType.BFloat16, cuda: true);

        Assert.Equal(hiddenGradientPerSequence, nine.LogitsBytes - eight.LogitsBytes);
        long chunk = 16 * chunkRows * s_llama32_1b.VocabSize;
        Assert.Equal(grown + chunk + ((grown + chunk) / 10), perSequence);
    }

    // The logits term follows the trainer's own rule (LossChunking.ChunkRows, which Trainer calls): whole on the CPU
    // unless chunks are configured, chunks on CUDA unless 0 is configured.
    [Theory]
    [InlineData(null, true)]
    [InlineData(null, false)]
    [InlineData(0, true)]
    [InlineData(100, false)]
    [InlineData(100_000, true)]
    public void For_LogitsTerm_IsWholeOrOneChunkByTheTrainersRule(int? lossChunkTokens, bool cuda)
    {
        TrainingConfig config = s_b8L1024 with { LossChunkTokens = lossChunkTokens };
        long tokens = 8 * 1024L;
        long chunkRows = LossChunking.ChunkRows(lossChunkTokens, s_llama32_1b.VocabSize, onCpu: !cuda);

        MemoryEstimate estimate = Estimate(config, cuda: cuda);

        long whole = 16 * tokens * s_llama32_1b.VocabSize;
        long chunked = (16 * Math.Min(chunkRows, tokens) * s_llama32_1b.VocabSize) + (3 * 2 * tokens * s_llama32_1b.HiddenSize);
        Assert.Equal(chunkRows == 0 ? whole : chunked, estimate.LogitsBytes);
        Assert.True(estimate.LogitsBytes <= whole + (3 * 2 * tokens * s_llama32_1b.HiddenSize));
    }

    // With checkpointing the blocks keep only their inputs (2·C bytes per token each at 16 bits) and one block's
    // activations are rebuilt at a time.
    [Fact]
    public void For_GradientCheckpointing_CountsBlockInputsAndOneBlock()
    {
        TrainingConfig longRows = new() { MicroBatchSize = 1, MaxSeqLength = 16_384 };
        long t = 16_384;
        long oneLayerPerToken = (17L * 2048) + (8L * 8192) + (5L * 32 * t);

        MemoryEstimate plain = Estimate(longRows);
        MemoryEstimate checkpointed = Estimate(longRows with { GradientCheckpointing = true });

        Assert.Equal(t * 16 * oneLayerPerToken, plain.ActivationBytes);
        Assert.Equal(t * ((2L * 16 * 2048) + oneLayerPerToken), checkpointed.ActivationBytes);
        Assert.Equal(2 * checkpointed.ActivationBytes, Estimate(longRows with { GradientCheckpointing = true }, WeightDType.Float32).ActivationBytes);
        Assert.True(checkpointed.TotalBytes < plain.TotalBytes / 4, $"{checkpointed.TotalBytes / GiB} GiB vs {plain.TotalBytes / GiB} GiB");
    }
}
