using System.Text.Json.Nodes;
using FineTune.Contracts.Backends;

namespace FineTune.Contracts.Tests.Backends;

public class LibtorchOptionsTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("auto", false)]
    [InlineData("varlen", true)]
    public void Cuda_PackedAttention_IsAutoUnlessVarlenIsAsked(string? value, bool varlen)
    {
        JsonObject? options = value is null ? null : new JsonObject { ["packed_attention"] = value };

        Assert.Equal(varlen, LibtorchDescriptor.Cuda.ParseOptions(options).VarlenPackedAttention);
    }

    [Fact]
    public void Cuda_PackedAttention_RefusesAnUnknownWay_NamingTheOption()
    {
        var error = Assert.Throws<BackendOptionsException>(() => LibtorchDescriptor.Cuda.ParseOptions(new JsonObject { ["packed_attention"] = "dense" }));

        Assert.Contains("'packed_attention' must be auto or varlen (got 'dense')", error.Message);
    }

    [Theory]
    [InlineData("{\"dtype\": \"f32\", \"packed_attention\": \"varlen\"}")]
    [InlineData("{\"packed_attention\": \"varlen\", \"dtype\": \"f32\"}")]
    public void Cuda_PackedAttentionVarlen_RefusesAnF32Base_InEitherOrder(string json)
    {
        var error = Assert.Throws<BackendOptionsException>(() => LibtorchDescriptor.Cuda.ParseOptions(JsonNode.Parse(json)!.AsObject()));

        Assert.Equal("packed_attention", error.ParamName);
        Assert.Contains("needs dtype bf16 or f16", error.Message);
    }

    [Fact]
    public void Cpu_HasNoPackedAttentionOption()
    {
        // The flash kernel is CUDA's; on the CPU the option would change nothing but speed, for the worse.
        var error = Assert.Throws<BackendOptionsException>(() => LibtorchDescriptor.Cpu.ParseOptions(new JsonObject { ["packed_attention"] = "varlen" }));

        Assert.Contains("does not support option 'packed_attention'", error.Message);
    }

    [Fact]
    public void CudaSchema_ListsPackedAttentionWithItsDefault()
    {
        JsonNode property = LibtorchDescriptor.Cuda.OptionsSchema["properties"]!["packed_attention"]!;

        Assert.Equal("auto", property["default"]!.GetValue<string>());
        Assert.Equal(["auto", "varlen"], property["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
    }
}
