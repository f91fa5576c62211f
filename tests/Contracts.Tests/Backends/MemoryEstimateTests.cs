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

    // Without LoRA dropout, as bench train runs (For_LoraDropout_… counts what dropout adds).
    private static readonly LoraConfig s_noDropout = new() { Dropout = 0 };

    private static readonly TrainingConfig s_b8L1024 = new() { MicroBatchSize = 8, MaxSeqLength = 1024, Lora = s_noDropout };

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
    public void For_Llama32_1b_Bf16_B8_L1024_CoversThePeakMeasuredOnAnH200()
    {
        // What ran on the H200 (2026-12-04): r = 16 on every linear layer, whole logits; bench train's peak allocated
        // was 43.1 GB. The estimate must cover it (an under-estimate costs an OOM retry) without wasting a fifth more.
        // That run kept an fp32 input copy per adapter; shared (SharedInputCast), ~3 GiB fewer are expected, unmeasured.
        TrainingConfig measured = s_b8L1024 with { LossChunkTokens = 0, Lora = new LoraConfig { Rank = 16, Alpha = 32, Dropout = 0, TargetModules = ["all-linear"] } };
        MemoryEstimate estimate = Estimate(measured);

        Assert.InRange(estimate.TotalBytes, 43_100_000_000L, (long)(1.2 * 43_100_000_000L));
        Assert.Equal(1_235_814_400L * 2, estimate.WeightsBytes);
        Assert.Equal(MemoryEstimate.CudaRuntimeBytes, estimate.RuntimeBytes);
        // CUDA's default chunked loss takes the 15.7 GiB of whole logits to about 0.6.
        Assert.InRange(estimate.TotalBytes - Estimate(measured with { LossChunkTokens = null }).TotalBytes, 15 * GiB, 17 * GiB);
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
    // activations are rebuilt at a time. On CUDA a layer keeps no attention scores (fused SDPA); every adapted layer's
    // input is kept once more in fp32 at a 16-bit base, once for the adapters that read it (q, k and v: 2048 wide; o:
    // 2048; gate and up: 2048; down: 8192).
    [Fact]
    public void For_GradientCheckpointing_CountsBlockInputsAndOneBlock()
    {
        TrainingConfig longRows = new() { MicroBatchSize = 1, MaxSeqLength = 16_384, Lora = s_noDropout };
        long t = 16_384;
        long block = (17L * 2048) + (8L * 8192);
        long adapterInputs = 4 * ((3 * 2048) + 8192);

        MemoryEstimate plain = Estimate(longRows);
        MemoryEstimate checkpointed = Estimate(longRows with { GradientCheckpointing = true });
        MemoryEstimate checkpointedF32 = Estimate(longRows with { GradientCheckpointing = true }, WeightDType.Float32);

        Assert.Equal(t * 16 * (block + adapterInputs), plain.ActivationBytes);
        Assert.Equal(t * ((2L * 16 * 2048) + block + adapterInputs), checkpointed.ActivationBytes);
        Assert.Equal(t * 2 * ((2L * 16 * 2048) + block), checkpointedF32.ActivationBytes);
        Assert.Equal(t * 16 * block, Estimate(longRows with { LoraInBaseDType = true }).ActivationBytes);
        Assert.True(checkpointed.TotalBytes < plain.TotalBytes / 4, $"{checkpointed.TotalBytes / GiB} GiB vs {plain.TotalBytes / GiB} GiB");
    }

    // Sibling adapters share one fp32 copy of their input (SharedInputCast): adapting k and v beside q, or up beside
    // gate, adds no activation memory; o and down read inputs of their own.
    [Fact]
    public void For_SiblingAdapters_CountTheirSharedInputOnce()
    {
        TrainingConfig rows = new() { MicroBatchSize = 1, MaxSeqLength = 1024 };
        long Activations(params string[] targets) =>
            Estimate(rows with { Lora = new LoraConfig { Dropout = 0, TargetModules = targets } }).ActivationBytes;

        Assert.Equal(Activations("q_proj"), Activations("q_proj", "k_proj", "v_proj"));
        Assert.Equal(Activations("gate_proj"), Activations("gate_proj", "up_proj"));
        Assert.Equal(1024L * 16 * 4 * 2048, Activations("q_proj", "o_proj") - Activations("q_proj"));
        Assert.Equal(1024L * 16 * 4 * 8192, Activations("up_proj", "down_proj") - Activations("up_proj"));
    }

    // With LoRA dropout every adapter keeps its own one-byte mask per input feature of every adapted layer, per token
    // and layer; under DP-SGD also its own dropped input, in the branch's dtype: 4 bytes (an f32 base, or the fp32 branch
    // beside a bf16 base) or 2 (LoraInBaseDType).
    [Fact]
    public void For_LoraDropout_CountsEachAdaptersMask_AndUnderDpItsDroppedInput()
    {
        long tokensTimesLayers = 8L * 1024 * 16;
        long inputWidths = (3 * 2048) + 2048 + (2 * 2048) + 8192;  // q, k, v; o; gate, up; down
        TrainingConfig dropout = s_b8L1024 with { Lora = new LoraConfig { Dropout = 0.05 } };
        TrainingConfig dp = dropout with { Privacy = new PrivacyConfig { NoiseMultiplier = 1.0, ExpectedBatchSize = 8, Delta = 1e-5 } };
        long Added(TrainingConfig config, WeightDType dtype) =>
            Estimate(config, dtype).ActivationBytes - Estimate(config with { Lora = config.Lora with { Dropout = 0 } }, dtype).ActivationBytes;

        Assert.Equal(tokensTimesLayers * inputWidths, Added(dropout, WeightDType.BFloat16));
        Assert.Equal(tokensTimesLayers * inputWidths, Added(dropout, WeightDType.Float32));
        Assert.Equal(tokensTimesLayers * 2048, Added(dropout with { Lora = new LoraConfig { Dropout = 0.1, TargetModules = ["q_proj"] } }, WeightDType.BFloat16));
        Assert.Equal(tokensTimesLayers * 5 * inputWidths, Added(dp, WeightDType.BFloat16));
        Assert.Equal(tokensTimesLayers * 3 * inputWidths, Added(dp with { LoraInBaseDType = true }, WeightDType.BFloat16));
        Assert.Equal(tokensTimesLayers * 5 * inputWidths, Added(dp, WeightDType.Float32));
    }

    // The CPU's composed attention materializes the scores (5·nh·T' bytes per token and layer at 16 bits, twice at
    // f32, for the T' keys a query row scores: at T = 1024 in blocks of 256 rows, (256 + 512 + 768 + 1024) / 4 = 640),
    // and an f32 base needs no fp32 copy of the adapters' inputs.
    [Fact]
    public void For_Cpu_CountsTheAttentionScores()
    {
        long t = 1024;
        long perTokenAndLayer = 2 * ((17L * 2048) + (8L * 8192) + (5L * 32 * 640));

        MemoryEstimate cpu = Estimate(s_b8L1024, WeightDType.Float32, cuda: false);

        Assert.Equal(8 * t * 16 * perTokenAndLayer, cpu.ActivationBytes);
        Assert.True(cpu.ActivationBytes > Estimate(s_b8L1024, WeightDType.Float32, cuda: true).ActivationBytes);
    }

    // Issue 10's 8B shape: placement must not turn it away from one H200 (139 GiB usable), as the scores term did.
    [Fact]
    public void For_Llama31_8b_Bf16_B4_L2048_IsPlacedOnOneH200()
    {
        var llama31_8b = new ModelConfig
        {
            ModelType = "llama",
            HiddenSize = 4096,
            IntermediateSize = 14_336,
            NumLayers = 32,
            NumHeads = 32,
            NumKeyValueHeads = 8,
            HeadDim = 128,
            VocabSize = 128_256,
        };
        // bench train's adapters: r = 16 on every linear layer, no dropout.
        TrainingConfig config = new() { MicroBatchSize = 4, MaxSeqLength = 2048, Lora = new LoraConfig { Rank = 16, Alpha = 32, Dropout = 0, TargetModules = ["all-linear"] } };

        MemoryEstimate estimate = MemoryEstimate.For(llama31_8b, WeightLayout.Of(llama31_8b).ParameterCount, config, WeightDType.BFloat16, cuda: true);
        MemoryEstimate withDropout = MemoryEstimate.For(llama31_8b, WeightLayout.Of(llama31_8b).ParameterCount, config with { Lora = config.Lora with { Dropout = 0.05 } }, WeightDType.BFloat16, cuda: true);

        // ~97 GiB: 15 of weights, 26 of the adapters' shared fp32 inputs (38 before they were shared), the rest the
        // blocks' activations, chunked logits, slack and the runtime. The default dropout adds each adapter's one-byte
        // mask, 9.5 GiB (10.4 with slack); had each kept its fp32 dropped input too, 47.5 more would not fit.
        Assert.InRange(estimate.TotalBytes, 90 * GiB, 139 * GiB);
        Assert.InRange(withDropout.TotalBytes - estimate.TotalBytes, 10 * GiB, 11 * GiB);
        Assert.InRange(withDropout.TotalBytes, 90 * GiB, 139 * GiB);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(256, 256)]
    [InlineData(512, 384)]
    [InlineData(2048, 1152)]
    [InlineData(300, 263)] // 256 rows score 256 keys, 44 rows 300: 78,736 / 300 = 262.5, rounded up
    public void ComposedAttentionKeysPerQuery_IsTheMeanOfEachBlocksEnd(long sequenceLength, long expected)
    {
        Assert.Equal(expected, MemoryEstimate.ComposedAttentionKeysPerQuery(sequenceLength));
    }
}
