using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Torch.Tests;

public class TensorOpsTests
{
    [Fact]
    public void Tensor_FromArray_RoundTripsValuesShapeAndDtype()
    {
        using var scope = TensorScope.Begin();

        Tensor t = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);

        Assert.Equal([2L, 3L], t.shape);
        Assert.Equal(ScalarType.Float32, t.dtype);
        Assert.Equal(Device.CPU, t.device);
        Assert.Equal([1f, 2, 3, 4, 5, 6], t.ToArray<float>());
        Assert.Equal([4f, 5, 6], t.select(0, 1).ToArray<float>());
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.Bool)]
    public void To_EachDtype_ConvertsAndBack(ScalarType dtype)
    {
        using var scope = TensorScope.Begin();
        Tensor source = torch.tensor(new float[] { 0, 1, 2, 3 });

        Tensor converted = source.to(dtype);
        Tensor back = converted.to(ScalarType.Float32);

        Assert.Equal(dtype, converted.dtype);
        float[] expected = dtype == ScalarType.Bool ? [0, 1, 1, 1] : [0, 1, 2, 3];
        Assert.Equal(expected, back.ToArray<float>());
    }

    [Fact]
    public void Frombuffer_Bfloat16Bytes_DecodesValues()
    {
        using var scope = TensorScope.Begin();
        // bf16 is the top half of the float32 bit pattern: 1.0f = 0x3F800000 -> 0x3F80, -2.0f = 0xC0000000 -> 0xC000.
        byte[] bytes = [0x80, 0x3F, 0x00, 0xC0];

        Tensor t = torch.frombuffer(bytes, [2], ScalarType.BFloat16);

        Assert.Equal([1f, -2f], t.to(ScalarType.Float32).ToArray<float>());
    }

    [Fact]
    public void Creation_ConstantsRangesAndSeededRandom_AreAsSpecified()
    {
        using var scope = TensorScope.Begin();

        Assert.Equal([0f, 0, 0], torch.zeros([3]).ToArray<float>());
        Assert.Equal([1f, 1], torch.ones([2]).ToArray<float>());
        Assert.Equal([2.5, 2.5], torch.full([2], 2.5, ScalarType.Float64).ToArray<double>());
        Assert.Equal([0L, 1, 2, 3], torch.arange(4).ToArray<long>());
        Assert.Equal([1.0, 1.5, 2.0], torch.arange(1, 2.1, 0.5, ScalarType.Float64).ToArray<double>());
        using var g1 = new Generator(7);
        using var g2 = new Generator(7);
        Assert.Equal(torch.randn([5], generator: g1).ToArray<float>(), torch.randn([5], generator: g2).ToArray<float>());
        float[] uniform = torch.rand([1000], generator: g1).ToArray<float>();
        Assert.All(uniform, u => Assert.InRange(u, 0f, 1f));
        Assert.InRange(uniform.Average(), 0.45, 0.55);
    }

    [Fact]
    public void GeneratorState_Restored_ReplaysTheSameNumbers()
    {
        using var scope = TensorScope.Begin();
        using var generator = new Generator(123);
        Tensor state = generator.get_state();
        float[] first = torch.rand([4], generator: generator).ToArray<float>();

        generator.set_state(state);

        Assert.Equal(first, torch.rand([4], generator: generator).ToArray<float>());
    }

    [Fact]
    public void Math_Broadcasting_ScalarsAndReductions_GiveExpectedValues()
    {
        using var scope = TensorScope.Begin();
        Tensor a = torch.tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        Tensor b = torch.tensor(new float[] { 10, 20 }, [2]);

        Assert.Equal([11f, 22, 13, 24], (a + b).ToArray<float>());
        Assert.Equal([-1f, 1, 3, 5], (2.0 * a - 3.0).ToArray<float>());
        Assert.Equal([11f, 10, 9, 8], (12.0 - a).ToArray<float>());
        Assert.Equal([12f, 6, 4, 3], (12.0 / a).ToArray<float>());
        Assert.Equal([7f, 10, 15, 22], a.matmul(a).ToArray<float>());
        Assert.Equal(10f, (float)a.sum().item());
        Assert.Equal([4f, 6], a.sum(0).ToArray<float>());
        Assert.Equal([1.5f, 3.5f], a.mean(1).ToArray<float>());
        Assert.Equal(4f, (float)a.max().item());
        Assert.Equal([1L, 1], a.argmax(1).ToArray<long>());
        Assert.Equal(MathF.Sqrt(30), (float)a.norm().item(), 5);
        Assert.Equal([true, false, false, false], a.lt(2).ToArray<bool>());
        Assert.Equal([2f, 2, 3, 3], a.clamp(2, 3).ToArray<float>());
        Assert.Equal([0f, 2, 0, 4], a.masked_fill(a.lt(2).logical_or(a.eq(3)), 0).ToArray<float>());
    }

    [Fact]
    public void CrossEntropy_IgnoreIndexAndReductions_MatchHandComputedValues()
    {
        using var scope = TensorScope.Begin();
        Tensor logits = torch.tensor(new double[] { 0, 0, 0, 2, 0, 0 }, [2, 3]);
        Tensor targets = torch.tensor(new long[] { 1, 0 });
        double uniform = Math.Log(3);
        double peaked = -Math.Log(Math.Exp(2) / (Math.Exp(2) + 2));

        double[] none = F.cross_entropy(logits, targets, reduction: torch.nn.Reduction.None).ToArray<double>();
        double sum = F.cross_entropy(logits, targets, reduction: torch.nn.Reduction.Sum).item();
        double ignored = F.cross_entropy(logits, torch.tensor(new long[] { 1, -100 })).item();

        Assert.Equal(uniform, none[0], 12);
        Assert.Equal(peaked, none[1], 12);
        Assert.Equal(uniform + peaked, sum, 12);
        Assert.Equal(uniform, ignored, 12);
    }

    [Fact]
    public void TopkSortAndMultinomial_PickTheRightIndices()
    {
        using var scope = TensorScope.Begin();
        Tensor t = torch.tensor(new float[] { 0.1f, 0.7f, 0.2f });

        var (values, indices) = t.topk(2);
        var (_, order) = t.sort(descending: true);
        using var generator = new Generator(1);
        Tensor one = torch.tensor(new float[] { 0, 0, 1 });

        Assert.Equal([0.7f, 0.2f], values.ToArray<float>());
        Assert.Equal([1L, 2], indices.ToArray<long>());
        Assert.Equal([1L, 2, 0], order.ToArray<long>());
        Assert.Equal([2L], torch.multinomial(one, 1, generator: generator).ToArray<long>());
    }

    [Fact]
    public void ScaledDotProductAttention_Causal_EqualsExplicitMaskedSoftmax()
    {
        using var scope = TensorScope.Begin();
        Tensor q = torch.randn([1, 2, 4, 8]);
        Tensor k = torch.randn([1, 2, 4, 8]);
        Tensor v = torch.randn([1, 2, 4, 8]);
        Tensor future = torch.ones([4, 4], ScalarType.Bool).triu(1);

        Tensor actual = F.scaled_dot_product_attention(q, k, v, isCausal: true);
        Tensor expected = q.matmul(k.transpose(-2, -1)).div(Math.Sqrt(8)).masked_fill(future, double.NegativeInfinity).softmax(-1).matmul(v);

        float maxError = (float)(actual - expected).abs().max().item();
        Assert.True(maxError < 1e-6, $"max error {maxError}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ScaledDotProductAttention_GroupedQueryHeads_EqualRepeatedKeysAndValues(bool isCausal)
    {
        // libtorch 2.x runs its kernel with enable_gqa, 1.13 the composed path: either way key/value head i serves
        // query heads 3i … 3i + 2, outputs and gradients as with k and v repeat_interleave'd.
        using var scope = TensorScope.Begin();
        using var generator = new Generator(11);
        Tensor q = torch.randn([2, 6, 5, 8], ScalarType.Float64, generator: generator).requires_grad_();
        Tensor k = torch.randn([2, 2, 5, 8], ScalarType.Float64, generator: generator).requires_grad_();
        Tensor v = torch.randn([2, 2, 5, 8], ScalarType.Float64, generator: generator).requires_grad_();
        Tensor weights = torch.randn([2, 6, 5, 8], ScalarType.Float64, generator: generator);

        Tensor grouped = F.scaled_dot_product_attention(q, k, v, isCausal: isCausal, enableGqa: true);
        Tensor?[] groupedGrads = torch.autograd.grad([grouped.mul(weights).sum()], [q, k, v]);
        Tensor repeated = F.scaled_dot_product_attention(q, k.repeat_interleave(3, 1), v.repeat_interleave(3, 1), isCausal: isCausal);
        Tensor?[] repeatedGrads = torch.autograd.grad([repeated.mul(weights).sum()], [q, k, v]);

        Assert.True(grouped.sub(repeated).abs().max().item() < 1e-12, "outputs differ");
        for (int i = 0; i < 3; i++)
        {
            Assert.True(groupedGrads[i]!.sub(repeatedGrads[i]!).abs().max().item() < 1e-12, $"gradient {i} differs");
        }
    }

    [Fact]
    public void InPlaceOps_AdamStyleUpdate_MutateTheTensor()
    {
        using var scope = TensorScope.Begin();
        Tensor p = torch.tensor(new float[] { 1, 2 });
        Tensor m = torch.zeros([2]);
        Tensor v = torch.zeros([2]);
        Tensor g = torch.tensor(new float[] { 0.5f, -1 });

        m.lerp_(g, 0.1);
        v.mul_(0.9).addcmul_(g, g, 0.1);
        p.addcdiv_(m, v.sqrt().add_(1e-8), -1.0);
        p.add_(g, alpha: 2).mul_(0.5).zero_();
        m.copy_(g).add_(1).div_(torch.full([2], 2.0)).clamp_(max: 0.6);
        v.fill_(3);

        Assert.Equal([0f, 0], p.ToArray<float>());
        Assert.Equal([0.6f, 0], m.ToArray<float>());
        Assert.Equal([3f, 3], v.ToArray<float>());
    }
}
