using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Torch.Tests;

/// <summary>Where scaled_dot_product_attention runs libtorch's kernel and where it composes the math.</summary>
[Collection(SerialNativeTests.Name)]
public class AttentionKernelTests
{
    [Theory]
    // libtorch 1.13 has no kernel anywhere.
    [InlineData(false, DeviceType.CPU, null, false)]
    [InlineData(false, DeviceType.CUDA, null, false)]
    // 2.x: CUDA always; meta never; the CPU unless an OpenBLAS pool of several threads would fight the kernel's calls.
    [InlineData(true, DeviceType.CUDA, 8, true)]
    [InlineData(true, DeviceType.Meta, null, false)]
    [InlineData(true, DeviceType.CPU, null, true)]
    [InlineData(true, DeviceType.CPU, 1, true)]
    [InlineData(true, DeviceType.CPU, 2, false)]
    [InlineData(true, DeviceType.CPU, 16, false)]
    public void RunsNative_FollowsTheKernelDeviceAndOpenBlasPool(bool hasKernel, DeviceType device, int? openBlasThreads, bool expected)
    {
        Assert.Equal(expected, AttentionKernel.RunsNative(hasKernel, device, openBlasThreads));
    }

    [Fact]
    public void NativeSdpaRunsOn_TheCpu_FollowsOpenBlasThreadsSetNow()
    {
        int? before = torch.get_blas_threads();
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                bool applied = torch.set_blas_threads(threads);
                int? pool = applied ? threads : null;
                Assert.Equal(AttentionKernel.RunsNative(torch.has_native_sdpa, DeviceType.CPU, pool), torch.native_sdpa_runs_on(DeviceType.CPU));
                // Whichever runs (on libtorch 2.x: the kernel at 1 thread, the composed math at 2), grouped-query causal
                // attention equals the softmax written out over repeated keys and values.
                using var scope = TensorScope.Begin();
                using var generator = new Generator(5);
                Tensor q = torch.randn([2, 4, 6, 8], ScalarType.Float64, generator: generator);
                Tensor k = torch.randn([2, 2, 6, 8], ScalarType.Float64, generator: generator);
                Tensor v = torch.randn([2, 2, 6, 8], ScalarType.Float64, generator: generator);
                Tensor future = torch.ones([6, 6], ScalarType.Bool).triu(1);
                Tensor expected = q.matmul(k.repeat_interleave(2, 1).transpose(-2, -1)).div(Math.Sqrt(8))
                    .masked_fill(future, double.NegativeInfinity).softmax(-1).matmul(v.repeat_interleave(2, 1));

                Tensor actual = F.scaled_dot_product_attention(q, k, v, isCausal: true, enableGqa: true);

                Assert.True(actual.sub(expected).abs().max().item() < 1e-12, $"outputs differ at {threads} OpenBLAS threads");
            }
        }
        finally
        {
            if (before is int threads)
            {
                torch.set_blas_threads(threads);
            }
        }
    }
}
