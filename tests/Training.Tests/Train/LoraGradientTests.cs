using FineTune.Contracts.Configs;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Training.Tests.Train;

public class LoraGradientTests
{
    [Fact]
    public void LoraGradients_OfTheRealModelsLoss_MatchFiniteDifferencesInFloat64()
    {
        using Transformer model = TransformerLoader.Load(TinyStoriesFixture.ModelFolder, ScalarType.Float64);
        using var generator = new Generator(4);
        using LoraModel lora = LoraModel.Attach(model, new LoraConfig { Rank = 2, Alpha = 4, Dropout = 0, TargetModules = ["v_proj", "down_proj"] }, generator);
        using (torch.no_grad())
        {
            // Non-zero B so the gradient of A is not trivially zero.
            lora.Adapters.ToList().ForEach(a => a.B.normal_(0, 0.1, generator).Dispose());
        }
        long[] ids = [1, 147, 201, 282, 215, 286];
        double Loss()
        {
            using var scope = TensorScope.Begin();
            Tensor logits = model.Forward(torch.tensor(ids[..^1], [1, ids.Length - 1])).select(0, 0); // (T, V)
            return F.cross_entropy(logits, torch.tensor(ids[1..])).item();
        }
        Tensor?[] analytic;
        using (var scope = TensorScope.Begin())
        {
            Tensor logits = model.Forward(torch.tensor(ids[..^1], [1, ids.Length - 1])).select(0, 0);
            Tensor loss = F.cross_entropy(logits, torch.tensor(ids[1..]));
            analytic = torch.autograd.grad([loss], lora.NamedParameters.Select(p => p.Value).ToList());
            foreach (Tensor? g in analytic)
            {
                scope.Detach(g!);
            }
        }

        const double h = 1e-6;
        int checkedElements = 0;
        foreach (var ((name, parameter), gradient) in lora.NamedParameters.Zip(analytic))
        {
            double[] expected = gradient!.ToArray<double>();
            foreach (int index in new[] { 0, (int)(parameter.numel() / 2), (int)parameter.numel() - 1 })
            {
                using Tensor flat = parameter.detach().view(-1);
                double original = flat.select(0, index).item();
                double Perturbed(double value)
                {
                    using (torch.no_grad())
                    {
                        using Tensor element = flat.select(0, index);
                        element.fill_(value).Dispose();
                    }
                    return Loss();
                }
                double numeric = (Perturbed(original + h) - Perturbed(original - h)) / (2 * h);
                Perturbed(original);
                Assert.True(Math.Abs(numeric - expected[index]) <= 1e-6 * Math.Max(1, Math.Abs(numeric)), $"{name}[{index}]: autograd {expected[index]:G10} vs finite difference {numeric:G10}");
                checkedElements++;
            }
            gradient.Dispose();
        }
        Assert.Equal(24, checkedElements);
    }
}
