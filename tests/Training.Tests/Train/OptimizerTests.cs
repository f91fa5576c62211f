using FineTune.Contracts.Configs;
using FineTune.Torch;
using FineTune.Training.Train;

namespace FineTune.Training.Tests.Train;

public class OptimizerTests
{
    [Fact]
    public void AdamW_TwoSteps_MatchHandComputedPyTorchSemantics()
    {
        using var scope = TensorScope.Begin();
        Tensor p = torch.tensor(new double[] { 1.0, -2.0 }, requiresGrad: true);
        using var optimizer = new AdamW([KeyValuePair.Create("p", p)], beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1);
        double[] expected = [1.0, -2.0];
        double[] m = [0, 0], v = [0, 0];

        for (int t = 1; t <= 2; t++)
        {
            Tensor loss = p.mul(p).sum();        // gradient 2p
            loss.backward();
            double[] g = expected.Select(x => 2 * x).ToArray();
            optimizer.Step(0.01);
            optimizer.ZeroGrad();
            for (int i = 0; i < 2; i++)
            {
                expected[i] *= 1 - (0.01 * 0.1);
                m[i] = (0.9 * m[i]) + (0.1 * g[i]);
                v[i] = (0.999 * v[i]) + (0.001 * g[i] * g[i]);
                double mHat = m[i] / (1 - Math.Pow(0.9, t));
                double vHat = v[i] / (1 - Math.Pow(0.999, t));
                expected[i] -= 0.01 * mHat / (Math.Sqrt(vHat) + 1e-8);
            }
        }

        double[] actual = p.detach().ToArray<double>();
        Assert.Equal(expected[0], actual[0], 12);
        Assert.Equal(expected[1], actual[1], 12);
    }

    [Theory]
    [InlineData("constant", 5, 1.0)]
    [InlineData("linear", 1, 0.5)]
    [InlineData("linear", 3, 1.0)]
    [InlineData("linear", 10, 1.0 / 8)]
    [InlineData("cosine", 3, 1.0)]
    [InlineData("cosine", 7, 0.5)]
    public void Schedule_WarmupThenDecay_GivesExpectedRates(string schedule, long step, double expected)
    {
        // 10 steps, 2 warmup: steps 1-2 ramp, 3 is the peak, the rest decays over the 8 post-warmup steps.
        double actual = LearningRateSchedule.At(schedule, 1.0, step, 10, 2);

        Assert.Equal(expected, actual, 12);
    }
}
