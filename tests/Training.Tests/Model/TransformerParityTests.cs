using FineTune.Testing;
using FineTune.Torch;
using FineTune.Torch.Safetensors;
using FineTune.Training.Model;

namespace FineTune.Training.Tests.Model;

/// <summary>
/// Logits of real models against the independent numpy reference (tools/reference/llama_reference.py, float64,
/// fixtures in tests/fixtures), within 1e-4 in fp32.
/// </summary>
public class TransformerParityTests
{
    [Theory]
    [InlineData("tinystories-656k", 3)]
    [InlineData("stories260k", 2)]
    [InlineData("tiny-qwen2", 2)]
    [InlineData("tiny-mistral", 2)]
    public void Forward_FixedPrompts_MatchesNumpyReferenceWithin1e4(string model, int prompts)
    {
        using var scope = TensorScope.Begin();
        string folder = model.StartsWith("tiny-", StringComparison.Ordinal) ? RepoPaths.Fixture(model) : RepoPaths.Model(model);
        using Transformer transformer = TransformerLoader.Load(folder);
        using SafetensorsFile fixture = SafetensorsFile.Open(RepoPaths.Fixture($"{model}-logits.safetensors"));

        for (int p = 0; p < prompts; p++)
        {
            Tensor ids = fixture.LoadTensor($"prompt{p}.ids");
            Tensor expected = fixture.LoadTensor($"prompt{p}.logits");          // (T, V)
            Tensor actual;
            using (torch.no_grad())
            {
                actual = transformer.Forward(ids.unsqueeze(0)).select(0, 0);   // (T, V)
            }

            double maxError = actual.sub(expected).abs().max().item();
            Assert.True(maxError < 1e-4, $"{model} prompt {p}: max |logit error| {maxError}");
            Console.WriteLine($"{model} prompt {p}: max |logit error| {maxError:E2}");
        }
    }

    [Fact]
    public void Load_TinyStories_ReadsConfigAndCountsParametersOnce()
    {
        using Transformer transformer = TransformerLoader.Load(RepoPaths.Model("tinystories-656k"));

        Assert.Equal("llama", transformer.Config.ModelType);
        Assert.Equal(4, transformer.Config.NumKeyValueHeads);
        Assert.True(transformer.Config.TieWordEmbeddings);
        Assert.Equal(656_000, transformer.ParameterCount);
        Assert.Equal(14, transformer.Linears.Count());
        Assert.Equal("model.layers.1.mlp.down_proj", transformer.Linears.Last().Name);
    }
}
