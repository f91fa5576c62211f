namespace FineTune.Torch.Tests;

/// <summary>
/// libtorch 1.13's composed attention runs long causal self-attention in query blocks that skip the masked upper
/// triangle; the blocks must give the whole masked square's outputs and gradients.
/// </summary>
public sealed class ComposedAttentionTests
{
    [Theory]
    [InlineData(ComposedAttention.CausalBlockRows + 1)]
    [InlineData(2 * ComposedAttention.CausalBlockRows)]
    [InlineData(2 * ComposedAttention.CausalBlockRows + 37)]
    public void CausalSelfAttention_InQueryBlocks_EqualsTheWholeMaskedSquare(long length)
    {
        using var scope = TensorScope.Begin();
        using var generator = new Generator(3);
        Tensor query = torch.randn([2, 3, length, 8], ScalarType.Float64, Device.CPU, generator).requires_grad_();
        Tensor key = torch.randn([2, 3, length, 8], ScalarType.Float64, Device.CPU, generator).requires_grad_();
        Tensor value = torch.randn([2, 3, length, 8], ScalarType.Float64, Device.CPU, generator).requires_grad_();
        Tensor outputWeights = torch.randn([2, 3, length, 8], ScalarType.Float64, Device.CPU, generator);

        Tensor blocked = ComposedAttention.Forward(query, key, value, attnMask: null, dropoutP: 0, isCausal: true);
        Tensor?[] blockedGrads = torch.autograd.grad([blocked.mul(outputWeights).sum()], [query, key, value]);
        Tensor future = torch.ones([length, length], ScalarType.Bool).triu(1);
        Tensor whole = query.matmul(key.transpose(-2, -1)).div(Math.Sqrt(8)).masked_fill(future, double.NegativeInfinity).softmax(-1).matmul(value);
        Tensor?[] wholeGrads = torch.autograd.grad([whole.mul(outputWeights).sum()], [query, key, value]);

        Assert.True(blocked.sub(whole).abs().max().item() < 1e-12, "outputs differ");
        for (int i = 0; i < 3; i++)
        {
            double error = blockedGrads[i]!.sub(wholeGrads[i]!).abs().max().item();
            Assert.True(error < 1e-12, $"gradient {i} differs by {error:E2}");
            Assert.True(wholeGrads[i]!.abs().max().item() > 1e-3, $"gradient {i} is too small to compare");
        }
    }

    [Fact]
    public void CausalSelfAttention_InQueryBlocks_KeepsNoFuturePosition()
    {
        // Changing the last key and value must not move any earlier row's output.
        using var scope = TensorScope.Begin();
        using var generator = new Generator(4);
        long length = ComposedAttention.CausalBlockRows + 5;
        Tensor query = torch.randn([1, 1, length, 4], ScalarType.Float64, Device.CPU, generator);
        Tensor key = torch.randn([1, 1, length, 4], ScalarType.Float64, Device.CPU, generator);
        Tensor value = torch.randn([1, 1, length, 4], ScalarType.Float64, Device.CPU, generator);
        Tensor before = ComposedAttention.Forward(query, key, value, null, 0, isCausal: true);

        // The last key points along the last query, so the last row attends to the new value almost alone.
        key.narrow(-2, length - 1, 1).copy_(query.narrow(-2, length - 1, 1).mul(20));
        value.narrow(-2, length - 1, 1).fill_(-100);
        Tensor after = ComposedAttention.Forward(query, key, value, null, 0, isCausal: true);

        Assert.Equal(0.0, after.narrow(-2, 0, length - 1).sub(before.narrow(-2, 0, length - 1)).abs().max().item());
        Assert.True(after.narrow(-2, length - 1, 1).sub(before.narrow(-2, length - 1, 1)).abs().max().item() > 1);
    }

    [Fact]
    public void CausalBlockRows_IsTheBlockTheMemoryEstimateCounts()
    {
        Assert.Equal(ComposedAttention.CausalBlockRows, FineTune.Contracts.Backends.MemoryEstimate.ComposedAttentionBlockRows);
    }
}
