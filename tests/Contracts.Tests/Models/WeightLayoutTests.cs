using FineTune.Contracts.Models;

namespace FineTune.Contracts.Tests.Models;

public class WeightLayoutTests
{
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

    // Qwen/Qwen2.5-0.5B's config.json: 494,032,768 parameters (tied head, biases on q/k/v).
    private static readonly ModelConfig s_qwen25_05b = new()
    {
        ModelType = "qwen2",
        HiddenSize = 896,
        IntermediateSize = 4864,
        NumLayers = 24,
        NumHeads = 14,
        NumKeyValueHeads = 2,
        HeadDim = 64,
        VocabSize = 151_936,
        TieWordEmbeddings = true,
        AttentionBias = true,
    };

    [Fact]
    public void ParameterCount_Llama32_1b_MatchesTheCheckpoint()
    {
        Assert.Equal(1_235_814_400, WeightLayout.Of(s_llama32_1b).ParameterCount);
    }

    [Fact]
    public void ParameterCount_Qwen25_05b_MatchesTheCheckpoint()
    {
        Assert.Equal(494_032_768, WeightLayout.Of(s_qwen25_05b).ParameterCount);
    }

    [Fact]
    public void Of_TiedModel_HasNoOutputHead_AndAnUntiedOneHasItAfterTheFinalNorm()
    {
        WeightLayout tied = WeightLayout.Of(s_llama32_1b);
        WeightLayout untied = WeightLayout.Of(s_llama32_1b with { TieWordEmbeddings = false });

        Assert.False(tied.Contains(WeightLayout.OutputHeadName));
        Assert.Equal(WeightLayout.FinalNormName, tied.Tensors[^1].Name);
        Assert.Equal(WeightLayout.OutputHeadName, untied.Tensors[^1].Name);
        Assert.Equal(new long[] { 128_256, 2048 }, untied[WeightLayout.OutputHeadName].Shape);
        Assert.Equal(tied.ParameterCount + (128_256L * 2048), untied.ParameterCount);
    }

    [Fact]
    public void Of_GroupedQueryAttention_ShapesKeyValueByTheirHeads_AndBiasesOnlyWhereTheConfigSays()
    {
        WeightLayout llama = WeightLayout.Of(s_llama32_1b);
        WeightLayout qwen = WeightLayout.Of(s_qwen25_05b);

        Assert.Equal(new long[] { 2048, 2048 }, llama["model.layers.15.self_attn.q_proj.weight"].Shape);
        Assert.Equal(new long[] { 512, 2048 }, llama["model.layers.15.self_attn.k_proj.weight"].Shape);
        Assert.Equal(new long[] { 2048, 2048 }, llama["model.layers.15.self_attn.o_proj.weight"].Shape);
        Assert.Equal(new long[] { 2048, 8192 }, llama["model.layers.15.mlp.down_proj.weight"].Shape);
        Assert.DoesNotContain(llama.Tensors, tensor => tensor.Name.EndsWith(".bias", StringComparison.Ordinal));
        Assert.Equal(new long[] { 128 }, qwen["model.layers.23.self_attn.v_proj.bias"].Shape);
        Assert.Equal(24 * 3, qwen.Tensors.Count(tensor => tensor.Name.EndsWith(".bias", StringComparison.Ordinal)));
        Assert.False(llama.Contains("model.layers.16.input_layernorm.weight"));
    }
}
