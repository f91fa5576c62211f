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

        AssertEqualOutputsAndGradients(blocked, blockedGrads, whole, wholeGrads);
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

    [Theory]
    [InlineData(7, 7, true)]                                        // causal, whole
    [InlineData(ComposedAttention.CausalBlockRows + 45, ComposedAttention.CausalBlockRows + 45, true)] // causal, in blocks
    [InlineData(5, 9, true)]                                        // causal, top-left aligned (L < S)
    [InlineData(6, 11, false)]                                      // no mask
    public void GroupedQueryAttention_EqualsRepeatedKeysAndValues(long queryLength, long keyLength, bool isCausal)
    {
        // Four query heads share each of two key/value heads: head i of k serves query heads 4i … 4i + 3.
        using var scope = TensorScope.Begin();
        using var generator = new Generator(5);
        Tensor query = torch.randn([2, 8, queryLength, 4], ScalarType.Float64, Device.CPU, generator).requires_grad_();
        Tensor key = torch.randn([2, 2, keyLength, 4], ScalarType.Float64, Device.CPU, generator).requires_grad_();
        Tensor value = torch.randn([2, 2, keyLength, 4], ScalarType.Float64, Device.CPU, generator).requires_grad_();
        Tensor outputWeights = torch.randn([2, 8, queryLength, 4], ScalarType.Float64, Device.CPU, generator);

        Tensor grouped = ComposedAttention.Forward(query, key, value, attnMask: null, dropoutP: 0, isCausal, enableGqa: true);
        Tensor?[] groupedGrads = torch.autograd.grad([grouped.mul(outputWeights).sum()], [query, key, value]);
        Tensor repeated = ComposedAttention.Forward(query, key.repeat_interleave(4, 1), value.repeat_interleave(4, 1), attnMask: null, dropoutP: 0, isCausal);
        Tensor?[] repeatedGrads = torch.autograd.grad([repeated.mul(outputWeights).sum()], [query, key, value]);

        Assert.Equal(repeated.shape, grouped.shape);
        AssertEqualOutputsAndGradients(grouped, groupedGrads, repeated, repeatedGrads);
    }

    [Fact]
    public void GroupedQueryAttention_PairsEachKeyHeadWithConsecutiveQueryHeads()
    {
        // Query heads 0 and 1 belong to key/value head 0, heads 2 and 3 to head 1 (repeat_interleave, not repeat).
        using var scope = TensorScope.Begin();
        using var generator = new Generator(6);
        Tensor query = torch.randn([1, 4, 3, 2], ScalarType.Float64, Device.CPU, generator);
        Tensor key = torch.randn([1, 2, 3, 2], ScalarType.Float64, Device.CPU, generator);
        Tensor value = torch.randn([1, 2, 3, 2], ScalarType.Float64, Device.CPU, generator);

        Tensor grouped = ComposedAttention.Forward(query, key, value, null, 0, isCausal: false, enableGqa: true);
        Tensor headOne = ComposedAttention.Forward(query.narrow(1, 1, 1), key.narrow(1, 0, 1), value.narrow(1, 0, 1), null, 0, isCausal: false);
        Tensor headTwo = ComposedAttention.Forward(query.narrow(1, 2, 1), key.narrow(1, 1, 1), value.narrow(1, 1, 1), null, 0, isCausal: false);

        Assert.True(grouped.narrow(1, 1, 1).sub(headOne).abs().max().item() < 1e-12);
        Assert.True(grouped.narrow(1, 2, 1).sub(headTwo).abs().max().item() < 1e-12);
    }

    [Fact]
    public void GroupedQueryAttention_WithAMask_RepeatsKeysAndValuesForIt()
    {
        using var scope = TensorScope.Begin();
        using var generator = new Generator(7);
        Tensor query = torch.randn([2, 4, 5, 3], ScalarType.Float64, Device.CPU, generator);
        Tensor key = torch.randn([2, 2, 5, 3], ScalarType.Float64, Device.CPU, generator);
        Tensor value = torch.randn([2, 2, 5, 3], ScalarType.Float64, Device.CPU, generator);
        Tensor mask = torch.rand([2, 4, 5, 5], ScalarType.Float64, Device.CPU, generator).gt(0.3).logical_or(torch.ones([5, 5], ScalarType.Bool).tril());

        Tensor grouped = ComposedAttention.Forward(query, key, value, mask, 0, isCausal: false, enableGqa: true);
        Tensor repeated = ComposedAttention.Forward(query, key.repeat_interleave(2, 1), value.repeat_interleave(2, 1), mask, 0, isCausal: false);

        Assert.True(grouped.sub(repeated).abs().max().item() < 1e-12);
    }

    [Fact]
    public void GroupedQueryAttention_RefusesKeyHeadsThatDoNotDivideTheQueryHeads()
    {
        using var scope = TensorScope.Begin();
        Tensor query = torch.zeros([1, 6, 2, 2]);
        Tensor key = torch.zeros([1, 4, 2, 2]);

        var error = Assert.Throws<ArgumentException>(() => ComposedAttention.Forward(query, key, key, null, 0, isCausal: true, enableGqa: true));
        Assert.Contains("dividing the query heads (6)", error.Message);
    }

    [Fact]
    public void CausalBlockRows_IsTheBlockTheMemoryEstimateCounts()
    {
        Assert.Equal(ComposedAttention.CausalBlockRows, FineTune.Contracts.Backends.MemoryEstimate.ComposedAttentionBlockRows);
    }

    // Outputs and the q, k, v gradients agree to 1e-12 (float64), and no expected gradient is too small to tell.
    private static void AssertEqualOutputsAndGradients(Tensor actual, Tensor?[] actualGrads, Tensor expected, Tensor?[] expectedGrads)
    {
        Assert.True(actual.sub(expected).abs().max().item() < 1e-12, "outputs differ");
        for (int i = 0; i < 3; i++)
        {
            double error = actualGrads[i]!.sub(expectedGrads[i]!).abs().max().item();
            Assert.True(error < 1e-12, $"gradient {i} differs by {error:E2}");
            Assert.True(expectedGrads[i]!.abs().max().item() > 1e-3, $"gradient {i} is too small to compare");
        }
    }
}
