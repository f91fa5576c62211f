using FineTune.Contracts.Configs;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Train;

namespace FineTune.Training.Tests.Train;

/// <summary>
/// Every LoRA matrix and its gradient are slices of two flat buffers, so clipping and AdamW run a few whole-buffer
/// ops per step. These tests pin what that relies on: backward fills the buffer, zeroing it zeroes every gradient, and
/// the flat update equals the per-matrix one to the bit.
/// </summary>
public sealed class LoraParameterBufferTests
{
    private static readonly LoraConfig s_config = new() { Rank = 4, Alpha = 8, Dropout = 0, TargetModules = ["all-linear"] };

    private static LoraModel Attach(Transformer model)
    {
        using var generator = new Generator(7);
        LoraModel lora = LoraModel.Attach(model, s_config, generator);
        using var noGrad = torch.no_grad();
        using var draws = new Generator(8);
        // B starts at zero, which would leave A's gradient zero: give both a gradient to check.
        foreach (LoraLinear adapter in lora.Adapters)
        {
            adapter.B.normal_(0, 0.02, draws).Dispose();
        }
        return lora;
    }

    private static void Backward(Transformer model, int seed)
    {
        using var scope = TensorScope.Begin();
        var random = new Random(seed);
        Tensor ids = torch.tensor(Enumerable.Range(0, 24).Select(_ => (long)random.Next(model.Config.VocabSize)).ToArray(), [2, 12]);
        model.Forward(ids).to(ScalarType.Float32).square().mean().backward();
    }

    private static double[] Values(Tensor tensor)
    {
        using Tensor flat = tensor.detach().reshape(-1).to(ScalarType.Float64);
        return flat.ToArray<double>();
    }

    [Fact]
    public void Backward_FillsTheFlatGradients_AndZeroingThemZeroesEveryGradient()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using LoraModel lora = Attach(model);

        Backward(model, seed: 1);

        double[] flat = Values(lora.FlatGradients!);
        long offset = 0;
        foreach (var (name, parameter) in lora.NamedParameters)
        {
            using Tensor grad = parameter.grad() ?? throw new Xunit.Sdk.XunitException($"{name} has no gradient");
            double[] own = Values(grad);
            Assert.True(own.Any(g => g != 0), $"{name}'s gradient is zero");
            Assert.Equal(flat.Skip((int)offset).Take(own.Length), own);
            offset += own.Length;
        }
        Assert.Equal(flat.Length, offset);

        using (var optimizer = new AdamW(lora))
        {
            optimizer.ZeroGrad();
        }
        Assert.All(lora.NamedParameters, p =>
        {
            using Tensor grad = p.Value.grad()!;
            Assert.All(Values(grad), g => Assert.Equal(0.0, g));
        });

        // Bound, not replaced: the next backward accumulates into the same buffer.
        Backward(model, seed: 2);
        Assert.Contains(Values(lora.FlatGradients!), g => g != 0);
    }

    [Fact]
    public void FlatAdamW_EqualsPerMatrixAdamW_ToTheBit()
    {
        using Transformer flatModel = TinyStoriesFixture.LoadModel();
        using Transformer perMatrixModel = TinyStoriesFixture.LoadModel();
        using LoraModel flatLora = Attach(flatModel);
        using LoraModel perMatrixLora = Attach(perMatrixModel);
        using var flat = new AdamW(flatLora, weightDecay: 0.01);
        using var perMatrix = new AdamW(perMatrixLora.NamedParameters, weightDecay: 0.01);

        for (int step = 1; step <= 3; step++)
        {
            Backward(flatModel, seed: step);
            Backward(perMatrixModel, seed: step);
            flat.Step(1e-2);
            perMatrix.Step(1e-2);
            flat.ZeroGrad();
            perMatrix.ZeroGrad();
        }

        var perMatrixValues = perMatrixLora.NamedParameters.ToDictionary(p => p.Key, p => Values(p.Value));
        Assert.All(flatLora.NamedParameters, p => Assert.Equal(perMatrixValues[p.Key], Values(p.Value)));
        var perMatrixState = perMatrix.StateTensors().ToDictionary(p => p.Key, p => p.Value);
        var flatState = flat.StateTensors().ToList();
        try
        {
            Assert.Equal(perMatrixState.Keys.Order(), flatState.Select(p => p.Key).Order());
            Assert.All(flatState, p => Assert.Equal(Values(perMatrixState[p.Key]), Values(p.Value)));
        }
        finally
        {
            flatState.ForEach(p => p.Value.Dispose());
            perMatrixState.Values.ToList().ForEach(t => t.Dispose());
        }
    }
}
