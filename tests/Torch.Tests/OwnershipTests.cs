using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Torch.Tests;

[Collection(SerialNativeTests.Name)]
public class OwnershipTests
{
    [Fact]
    public void TrainingLikeSteps_InScopes_ReturnLiveCountToBaseline()
    {
        long baseline = SerialNativeTests.SettledLiveCount();
        long leakedBefore = Handles.TensorHandle.FinalizerReleaseCount;
        using var generator = new Generator(0);
        Tensor weight = torch.randn([16, 8], generator: generator, requiresGrad: true);
        Tensor moment = torch.zeros([16, 8]);
        double firstLoss = 0;
        double lastLoss = 0;

        for (int step = 0; step < 200; step++)
        {
            using var scope = TensorScope.Begin();
            Tensor x = torch.randn([4, 8], generator: generator);
            Tensor target = torch.tensor(new long[] { 1, 2, 3, 4 });
            Tensor logits = F.linear(x, weight);
            Tensor loss = F.cross_entropy(logits, target);
            loss.backward();
            using (torch.no_grad())
            {
                Tensor grad = weight.grad()!;
                moment.lerp_(grad, 0.1);
                weight.add_(moment, alpha: -0.5);
                weight.set_grad(null);
            }
            lastLoss = loss.item();
            firstLoss = step == 0 ? lastLoss : firstLoss;
        }
        weight.Dispose();
        moment.Dispose();

        Assert.True(lastLoss < firstLoss, $"loss went from {firstLoss} to {lastLoss}");
        Assert.Equal(baseline, torch.live_tensor_count);
        Assert.Equal(leakedBefore, Handles.TensorHandle.FinalizerReleaseCount);
    }

    [Fact]
    public void Scope_MoveToOuter_KeepsTheSurvivorAlive()
    {
        long baseline = SerialNativeTests.SettledLiveCount();
        Tensor survivor;
        using (var outer = TensorScope.Begin())
        {
            using (var inner = TensorScope.Begin())
            {
                Tensor temporary = torch.ones([3]);
                survivor = inner.MoveToOuter(temporary.mul(2));
            }
            Assert.Equal(baseline + 1, torch.live_tensor_count);
            Assert.Equal([2f, 2, 2], survivor.ToArray<float>());
        }

        Assert.True(survivor.IsDisposed);
        Assert.Equal(baseline, torch.live_tensor_count);
    }

    [Fact]
    public void DroppedTensor_ReclaimedByFinalizer_CountsAsLeak()
    {
        long leakedBefore = Handles.TensorHandle.FinalizerReleaseCount;

        DropATensor();
        SerialNativeTests.SettledLiveCount();

        Assert.True(Handles.TensorHandle.FinalizerReleaseCount > leakedBefore);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void DropATensor()
    {
        _ = torch.ones([1]);
    }

    [Fact]
    public void InPlaceOp_ReturnsANewAliasHandle_NotTheArgument()
    {
        using var scope = TensorScope.Begin();
        Tensor t = torch.zeros([2]);

        Tensor alias = t.add_(1);
        alias.Dispose();

        Assert.NotSame(t, alias);
        Assert.False(t.IsDisposed);
        Assert.Equal([1f, 1], t.ToArray<float>());
    }
}
