using FineTune.Contracts.Configs;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;

namespace FineTune.Training.Tests.Train;

/// <summary>
/// The float32 copy of a layer input that sibling LoRA adapters (q, k, v; gate, up) share: one copy per input, and
/// the same outputs as each adapter casting on its own, and the same gradients to bf16 precision.
/// </summary>
public sealed class SharedInputCastTests
{
    [Fact]
    public void CastOf_TheSameInputTwice_IsOneCopy_AndAnotherInputOrRelease_MakesANewOne()
    {
        using var scope = TensorScope.Begin();
        using var cache = new SharedInputCast();
        Tensor input = torch.zeros([2, 3], ScalarType.BFloat16);
        Tensor other = torch.zeros([2, 3], ScalarType.BFloat16);

        Tensor first = cache.CastOf(input, ScalarType.Float32);
        Tensor second = cache.CastOf(input, ScalarType.Float32);
        Tensor third = cache.CastOf(other, ScalarType.Float32);
        Tensor fourth = cache.CastOf(other, ScalarType.Float32);
        cache.Release();
        Tensor afterRelease = cache.CastOf(other, ScalarType.Float32);
        first.fill_(1).Dispose();
        third.fill_(2).Dispose();

        Assert.Equal(ScalarType.Float32, first.dtype);
        Assert.All(second.ToArray<float>(), value => Assert.Equal(1f, value));     // the same storage as the first
        Assert.All(fourth.ToArray<float>(), value => Assert.Equal(2f, value));
        Assert.All(afterRelease.ToArray<float>(), value => Assert.Equal(0f, value)); // a fresh copy of the input
        Assert.All(input.to(ScalarType.Float32).ToArray<float>(), value => Assert.Equal(0f, value)); // a copy, not the input
    }

    [Fact]
    public void CastOf_UnderAnotherGradMode_MakesANewCopy()
    {
        using var scope = TensorScope.Begin();
        using var cache = new SharedInputCast();
        Tensor input = torch.zeros([4], ScalarType.BFloat16);

        Tensor withGrad = cache.CastOf(input, ScalarType.Float32);
        Tensor withoutGrad;
        using (torch.no_grad())
        {
            withoutGrad = cache.CastOf(input, ScalarType.Float32);
        }
        withGrad.fill_(3).Dispose();

        Assert.All(withoutGrad.ToArray<float>(), value => Assert.Equal(0f, value));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void Forward_SharedCast_GivesTheLogitsOfPerAdapterCasts_AndTheirGradients(double dropout)
    {
        using Transformer model = TransformerLoader.Load(TinyStoriesFixture.ModelFolder, ScalarType.BFloat16);
        using var generator = new Generator(3);
        using LoraModel lora = LoraModel.Attach(model, new LoraConfig { Rank = 4, Alpha = 8, Dropout = dropout, TargetModules = ["all-linear"] }, generator);
        using var scope = TensorScope.Begin();
        using (torch.no_grad())
        {
            // B starts at zero, which would leave A's gradient zero: a trained-looking B makes both non-trivial.
            foreach (LoraLinear adapter in lora.Adapters)
            {
                adapter.B.copy_(torch.randn(adapter.B.shape, ScalarType.Float32, generator: generator).mul(0.05)).Dispose();
            }
        }
        Tensor ids = torch.tensor(TinyStoriesFixture.Examples(2).SelectMany(e => e.InputIds.Take(12)).Select(id => (long)id).ToArray(), [2, 12]);

        (float[] Logits, Dictionary<string, float[]> Gradients) Run()
        {
            using var masks = new Generator(11);
            lora.Adapters.ToList().ForEach(adapter => adapter.DropoutGenerator = masks);
            Tensor logits = model.Forward(ids).to(ScalarType.Float32);
            logits.square().mean().backward();
            lora.ReleaseSharedInput();
            Dictionary<string, float[]> gradients = lora.Adapters.ToDictionary(
                adapter => adapter.Target.Name, adapter => adapter.A.grad()!.ToArray<float>().Concat(adapter.B.grad()!.ToArray<float>()).ToArray());
            lora.FlatGradients!.zero_().Dispose();
            lora.Adapters.ToList().ForEach(adapter => adapter.DropoutGenerator = null);
            return (logits.detach().ToArray<float>(), gradients);
        }
        (float[] sharedLogits, Dictionary<string, float[]> shared) = Run();
        foreach (LoraLinear adapter in lora.Adapters)
        {
            adapter.InputCast = null;
        }
        (float[] ownLogits, Dictionary<string, float[]> own) = Run();

        Assert.Equal(ownLogits, sharedLogits);
        // The last MLP's adapters see the same gradients to the bit. Upstream of its gate and up, the bf16 gradient of
        // each shared input is rounded once from the float32 sum of its readers' terms rather than once per reader and
        // then summed in bf16, so everything before agrees to bf16 precision (8 significant bits) only.
        string lastBlock = $".layers.{model.Config.NumLayers - 1}.mlp.";
        foreach ((string name, float[] gradient) in shared)
        {
            Assert.Contains(gradient, value => value != 0);
            if (name.Contains(lastBlock, StringComparison.Ordinal))
            {
                Assert.Equal(own[name], gradient);
            }
            else
            {
                double error = gradient.Zip(own[name], (a, b) => Math.Abs(a - b)).Max() / own[name].Max(Math.Abs);
                Assert.True(error < 2e-2, $"{name}: relative error {error}");
            }
        }
    }
}
