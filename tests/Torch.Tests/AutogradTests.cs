namespace FineTune.Torch.Tests;

public class AutogradTests
{
    [Fact]
    public void Backward_OnScalar_AccumulatesIntoLeafGrad()
    {
        using var scope = TensorScope.Begin();
        Tensor x = torch.tensor(new double[] { 1, 2, 3 }, requiresGrad: true);

        x.square().sum().backward();
        x.square().sum().backward();

        Assert.True(x.is_leaf);
        Assert.Equal([4.0, 8, 12], x.grad()!.ToArray<double>());
    }

    [Fact]
    public void Backward_WithGradient_WeightsTheOutputs()
    {
        using var scope = TensorScope.Begin();
        Tensor x = torch.tensor(new double[] { 1, 2 }, requiresGrad: true);

        x.mul(3).backward(torch.tensor(new double[] { 1, 10 }));

        Assert.Equal([3.0, 30], x.grad()!.ToArray<double>());
    }

    [Fact]
    public void AutogradGrad_OfIntermediate_GivesOutputGradientWithoutTouchingDotGrad()
    {
        using var scope = TensorScope.Begin();
        Tensor w = torch.tensor(new double[] { 2 }, requiresGrad: true);
        Tensor x = torch.tensor(new double[] { 1, 2, 3 });
        Tensor hidden = x.mul(w);
        Tensor loss = hidden.square().sum();

        Tensor?[] grads = torch.autograd.grad([loss], [hidden, w], retainGraph: true);

        Assert.Equal([4.0, 8, 12], grads[0]!.ToArray<double>());
        Assert.Equal([56.0], grads[1]!.ToArray<double>());
        Assert.Null(w.grad());
    }

    [Fact]
    public void AutogradGrad_UnusedInput_IsNullWhenAllowed()
    {
        using var scope = TensorScope.Begin();
        Tensor a = torch.ones([2], ScalarType.Float64, requiresGrad: true);
        Tensor b = torch.ones([2], ScalarType.Float64, requiresGrad: true);

        Tensor?[] grads = torch.autograd.grad([a.sum()], [a, b], allowUnused: true);

        Assert.NotNull(grads[0]);
        Assert.Null(grads[1]);
    }

    [Fact]
    public void RetainGrad_KeepsNonLeafGradient()
    {
        using var scope = TensorScope.Begin();
        Tensor x = torch.ones([2], requiresGrad: true);
        Tensor y = x.mul(5);
        y.retain_grad();

        y.sum().backward();

        Assert.False(y.is_leaf);
        Assert.Equal([1f, 1], y.grad()!.ToArray<float>());
    }

    [Fact]
    public void NoGrad_StopsRecordingAndRestoresThePreviousMode()
    {
        using var scope = TensorScope.Begin();
        Tensor x = torch.ones([2], requiresGrad: true);

        Tensor inside;
        using (torch.no_grad())
        {
            Assert.False(torch.is_grad_enabled());
            inside = x.mul(2);
        }

        Assert.True(torch.is_grad_enabled());
        Assert.False(inside.requires_grad);
        Assert.True(x.mul(2).requires_grad);
        Assert.False(x.detach().requires_grad);
    }

    [Fact]
    public void SetGrad_Null_ClearsTheGradient()
    {
        using var scope = TensorScope.Begin();
        Tensor x = torch.ones([2], requiresGrad: true);
        x.sum().backward();

        x.set_grad(null);

        Assert.Null(x.grad());
    }
}
