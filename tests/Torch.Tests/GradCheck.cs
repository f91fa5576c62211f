namespace FineTune.Torch.Tests;

/// <summary>
/// Finite-difference gradient check in float64: compares autograd's gradient of sum(f(x) * r), for a fixed random
/// weighting r, with central differences (f(x + h) - f(x - h)) / 2h for every element of every input.
/// </summary>
internal static class GradCheck
{
    private const double Step = 1e-6;

    public static void Assert(Func<Tensor[], Tensor> function, params Tensor[] inputs)
    {
        using var scope = TensorScope.Begin();
        Tensor[] leaves = inputs.Select(x => x.to(ScalarType.Float64).detach().requires_grad_()).ToArray();
        Tensor probe = function(leaves);
        Tensor weighting = torch.randn(probe.shape, ScalarType.Float64, generator: null);
        Tensor loss = probe.mul(weighting).sum();
        Tensor?[] analytic = torch.autograd.grad([loss], leaves, allowUnused: true);

        for (int i = 0; i < leaves.Length; i++)
        {
            double[] values = leaves[i].ToArray<double>();
            double[] expected = new double[values.Length];
            for (int j = 0; j < values.Length; j++)
            {
                double original = values[j];
                values[j] = original + Step;
                double plus = Evaluate(function, leaves, i, values, weighting);
                values[j] = original - Step;
                double minus = Evaluate(function, leaves, i, values, weighting);
                values[j] = original;
                expected[j] = (plus - minus) / (2 * Step);
            }
            double[] actual = analytic[i]?.ToArray<double>() ?? new double[values.Length];
            for (int j = 0; j < values.Length; j++)
            {
                double tolerance = 1e-5 * Math.Max(1, Math.Abs(expected[j]));
                Xunit.Assert.True(
                    Math.Abs(actual[j] - expected[j]) <= tolerance,
                    $"input {i}, element {j}: autograd {actual[j]:G10} vs finite difference {expected[j]:G10}");
            }
        }
    }

    private static double Evaluate(Func<Tensor[], Tensor> function, Tensor[] leaves, int index, double[] values, Tensor weighting)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = torch.no_grad();
        Tensor[] arguments = (Tensor[])leaves.Clone();
        arguments[index] = torch.tensor(values, leaves[index].shape);
        return function(arguments).mul(weighting).sum().item();
    }
}
