using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Torch.Tests;

/// <summary>
/// Causal attention within sequences laid end to end (varlen_causal_attention). On the CPU it runs each sequence
/// through causal SDPA; these tests pin that math against one block-diagonal mask over all the tokens, so the layout
/// the CUDA kernel reads ((N, h, d) and int32 running sums) is the one the composed path is checked with.
/// </summary>
public class VarlenAttentionTests
{
    private static readonly long[] Lengths = [3, 1, 5, 2];

    [Fact]
    public void Sequences_RunningSums_StartAtZero_AndEndAtTheTotal()
    {
        using var sequences = VarlenSequences.Create(Lengths, Device.CPU);

        Assert.Equal([0, 3, 4, 9, 11], sequences.CumulativeLengths.ToArray<int>());
        Assert.Equal(ScalarType.Int32, sequences.CumulativeLengths.dtype);
        Assert.Equal(11, sequences.Total);
        Assert.Equal(5, sequences.MaxLength);
    }

    [Theory]
    [InlineData(new long[0], "at least one")]
    [InlineData(new long[] { 2, 0, 3 }, "lengths")]
    [InlineData(new long[] { 4, -1 }, "lengths")]
    public void Sequences_RefuseNoSequence_AndLengthsBelowOne(long[] lengths, string expected)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => VarlenSequences.Create(lengths, Device.CPU));

        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData(4)] // multi-head attention
    [InlineData(2)] // grouped-query: each key/value head serves two query heads
    public void Outputs_AndGradients_EqualOneBlockDiagonalCausalMask(int keyHeads)
    {
        using var scope = TensorScope.Begin();
        using var generator = new Generator(11);
        using var sequences = VarlenSequences.Create(Lengths, Device.CPU);
        long n = sequences.Total;
        Tensor q = torch.randn([n, 4, 8], ScalarType.Float64, generator: generator).requires_grad_();
        Tensor k = torch.randn([n, keyHeads, 8], ScalarType.Float64, generator: generator).requires_grad_();
        Tensor v = torch.randn([n, keyHeads, 8], ScalarType.Float64, generator: generator).requires_grad_();
        Tensor weights = torch.randn([n, 4, 8], ScalarType.Float64, generator: generator);

        Tensor actual = F.varlen_causal_attention(q, k, v, sequences);
        Tensor?[] actualGrads = torch.autograd.grad([actual.mul(weights).sum()], [q, k, v]);
        Tensor expected = BlockDiagonalReference(q, k, v, Lengths);
        Tensor?[] expectedGrads = torch.autograd.grad([expected.mul(weights).sum()], [q, k, v]);

        Assert.Equal([n, 4L, 8], actual.shape);
        Assert.True(actual.sub(expected).abs().max().item() < 1e-12, "outputs differ");
        for (int i = 0; i < 3; i++)
        {
            Assert.True(actualGrads[i]!.sub(expectedGrads[i]!).abs().max().item() < 1e-12, $"gradient {"qkv"[i]} differs");
        }
    }

    [Fact]
    public void ATokenSeesNothingOutsideItsSequence()
    {
        // Changing every value of the first sequence leaves the others' outputs exactly as they were.
        using var scope = TensorScope.Begin();
        using var generator = new Generator(3);
        using var sequences = VarlenSequences.Create(Lengths, Device.CPU);
        Tensor q = torch.randn([11, 2, 8], ScalarType.Float64, generator: generator);
        Tensor k = torch.randn([11, 2, 8], ScalarType.Float64, generator: generator);
        Tensor v = torch.randn([11, 2, 8], ScalarType.Float64, generator: generator);
        Tensor changed = torch.cat([v.narrow(0, 0, 3).add(1.0), v.narrow(0, 3, 8)]);

        Tensor before = F.varlen_causal_attention(q, k, v, sequences);
        Tensor after = F.varlen_causal_attention(q, k, changed, sequences);

        Assert.Equal(0.0, before.narrow(0, 3, 8).sub(after.narrow(0, 3, 8)).abs().max().item());
        Assert.True(before.narrow(0, 0, 3).sub(after.narrow(0, 0, 3)).abs().max().item() > 0.5);
    }

    [Fact]
    public void RefusesTensorsThatDoNotHoldTheSequencesTokens()
    {
        using var scope = TensorScope.Begin();
        using var sequences = VarlenSequences.Create(Lengths, Device.CPU);
        Tensor short_ = torch.zeros([10, 2, 8], ScalarType.Float32);
        Tensor batched = torch.zeros([1, 11, 2, 8], ScalarType.Float32);

        Assert.Contains("11 tokens", Assert.Throws<ArgumentException>(() => F.varlen_causal_attention(short_, short_, short_, sequences)).Message);
        Assert.Contains("(tokens, heads, head size)", Assert.Throws<ArgumentException>(() => F.varlen_causal_attention(batched, batched, batched, sequences)).Message);
    }

    [Theory]
    // The flash kernel: built in, CUDA, 16 bits, head size a multiple of 8 up to 256.
    [InlineData(true, DeviceType.CUDA, ScalarType.BFloat16, 64, true)]
    [InlineData(true, DeviceType.CUDA, ScalarType.Float16, 128, true)]
    [InlineData(true, DeviceType.CUDA, ScalarType.BFloat16, 256, true)]
    [InlineData(false, DeviceType.CUDA, ScalarType.BFloat16, 64, false)]
    [InlineData(true, DeviceType.CUDA, ScalarType.Float32, 64, false)]
    [InlineData(true, DeviceType.CPU, ScalarType.BFloat16, 64, false)]
    [InlineData(true, DeviceType.Meta, ScalarType.BFloat16, 64, false)]
    [InlineData(true, DeviceType.CUDA, ScalarType.BFloat16, 60, false)]
    [InlineData(true, DeviceType.CUDA, ScalarType.BFloat16, 320, false)]
    public void RunsVarlenFlash_OnlyWhereTheKernelTakesTheInputs(bool hasKernel, DeviceType device, ScalarType dtype, long headSize, bool expected)
    {
        Assert.Equal(expected, AttentionKernel.RunsVarlenFlash(hasKernel, device, dtype, headSize));
    }

    [Fact]
    public void OnTheCpu_TheKernelDoesNotRun_AndTheShimRefusesItClearly()
    {
        using var scope = TensorScope.Begin();
        Tensor q = torch.zeros([4, 2, 8], ScalarType.BFloat16);
        using var sequences = VarlenSequences.Create([4], Device.CPU);

        Assert.False(F.varlen_flash_attention_runs_on(q));
        // Called directly, the shim names what the kernel needs instead of failing inside libtorch.
        var error = Assert.Throws<TorchException>(() =>
        {
            Interop.Native.Check(Interop.NativeMethods.FtTensor_VarlenFlashAttention(q.Handle, q.Handle, q.Handle, sequences.CumulativeLengths.Handle, 4, out var result));
            result.Dispose();
        });
        Assert.Contains(torch.has_varlen_flash_attention ? "CUDA only" : "libtorch >= 2.5", error.Message);
    }

    // softmax(q kᵀ / √d) v over all N tokens at once, keeping only keys of the query's own sequence at or before it.
    private static Tensor BlockDiagonalReference(Tensor q, Tensor k, Tensor v, long[] lengths)
    {
        long n = q.size(0), groups = q.size(1) / k.size(1);
        long[] ids = lengths.SelectMany((length, i) => Enumerable.Repeat((long)i, (int)length)).ToArray();
        Tensor id = torch.tensor(ids, [n]);
        Tensor keep = id.unsqueeze(1).eq(id.unsqueeze(0)).logical_and(torch.ones([n, n], ScalarType.Bool).tril()); // (N, N)
        Tensor heads = q.transpose(0, 1);                                                                           // (h, N, d)
        Tensor keys = k.repeat_interleave(groups, 1).transpose(0, 1), values = v.repeat_interleave(groups, 1).transpose(0, 1);
        Tensor scores = heads.matmul(keys.transpose(-2, -1)).div(Math.Sqrt(q.size(2)));
        return scores.masked_fill(keep.logical_not(), double.NegativeInfinity).softmax(-1).matmul(values).transpose(0, 1);
    }
}
