namespace FineTune.Torch.Tests;

/// <summary>
/// dropped_linear (LoRA's dropout and A as one autograd node that rebuilds the dropped input in backward) must give
/// the composed ops' output and gradients, and refuse masks that do not fit.
/// </summary>
public sealed class DroppedLinearTests
{
    private const double P = 0.25;

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void OutputAndGradients_AreTheComposedOps(ScalarType dtype)
    {
        using var scope = TensorScope.Begin();
        using var generator = new Generator(5);
        Tensor x = torch.randn([2, 7, 12], dtype, Device.CPU, generator).requires_grad_();
        Tensor weight = torch.randn([4, 12], dtype, Device.CPU, generator).requires_grad_();
        Tensor keep = torch.rand([2, 7, 12], dtype, Device.CPU, generator).ge(P);
        Tensor outputWeights = torch.randn([2, 7, 4], dtype, Device.CPU, generator);

        Tensor fused = torch.nn.functional.dropped_linear(x, keep, P, weight);
        Tensor?[] fusedGrads = torch.autograd.grad([fused.mul(outputWeights).sum()], [x, weight]);
        Tensor composed = torch.nn.functional.linear(x.mul(keep).div(1 - P), weight);
        Tensor?[] composedGrads = torch.autograd.grad([composed.mul(outputWeights).sum()], [x, weight]);

        double tolerance = dtype == ScalarType.Float64 ? 1e-12 : 1e-5;
        Assert.Equal(0.0, composed.sub(fused).abs().max().item());
        Assert.True(composedGrads[0]!.sub(fusedGrads[0]!).abs().max().item() <= tolerance);
        Assert.True(composedGrads[1]!.sub(fusedGrads[1]!).abs().max().item() <= tolerance);
        // Dropped positions get no gradient.
        Assert.Equal(0.0, fusedGrads[0]!.masked_fill(keep, 0).abs().max().item());
    }

    [Fact]
    public void GradientOfAFrozenInput_IsNotComputed_AndTheWeightsStillIs()
    {
        using var scope = TensorScope.Begin();
        using var generator = new Generator(6);
        Tensor x = torch.randn([3, 5], ScalarType.Float64, Device.CPU, generator);
        Tensor weight = torch.randn([2, 5], ScalarType.Float64, Device.CPU, generator).requires_grad_();
        Tensor keep = torch.rand([3, 5], ScalarType.Float64, Device.CPU, generator).ge(P);

        torch.nn.functional.dropped_linear(x, keep, P, weight).sum().backward();

        Tensor expected = torch.ones([3, 2], ScalarType.Float64).t().matmul(x.mul(keep).div(1 - P));
        Assert.True(weight.grad()!.sub(expected).abs().max().item() < 1e-12);
    }

    [Fact]
    public void MaskOfAnotherShapeOrDtype_OrAProbabilityOfOne_IsRefused()
    {
        using var scope = TensorScope.Begin();
        Tensor x = torch.ones([3, 5], ScalarType.Float32);
        Tensor weight = torch.ones([2, 5], ScalarType.Float32);

        Assert.Contains("shape", Assert.Throws<TorchException>(() => torch.nn.functional.dropped_linear(x, torch.ones([3, 4], ScalarType.Bool), P, weight)).Message);
        Assert.Contains("bool", Assert.Throws<TorchException>(() => torch.nn.functional.dropped_linear(x, torch.ones([3, 5], ScalarType.Float32), P, weight)).Message);
        Assert.Contains("[0, 1)", Assert.Throws<TorchException>(() => torch.nn.functional.dropped_linear(x, torch.ones([3, 5], ScalarType.Bool), 1.0, weight)).Message);
    }
}
