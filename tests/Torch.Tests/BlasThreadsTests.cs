namespace FineTune.Torch.Tests;

/// <summary>OpenBLAS's pool, set through the shim's dlsym lookup (Debian's libtorch links OpenBLAS; CI runs it).</summary>
[Collection(SerialNativeTests.Name)]
public class BlasThreadsTests
{
    [Fact]
    public void SetBlasThreads_ChangesOpenBlasPool_WhereLibtorchLinksOpenBlas()
    {
        int? before = torch.get_blas_threads();
        try
        {
            bool applied = torch.set_blas_threads(1);
            Assert.Equal(applied, torch.get_blas_threads() is not null);
            if (File.Exists("/proc/self/maps") && File.ReadAllText("/proc/self/maps").Contains("libopenblas", StringComparison.Ordinal))
            {
                // Debian's libtorch: the lookup must find OpenBLAS, or the CPU policy silently does nothing.
                Assert.True(applied, "libtorch links OpenBLAS but openblas_set_num_threads was not found");
            }
            if (applied)
            {
                Assert.Equal(1, torch.get_blas_threads());
                torch.set_blas_threads(2);
                Assert.Equal(2, torch.get_blas_threads());
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

    [Fact]
    public void SetBlasThreads_BelowOne_IsAnError()
    {
        var error = Assert.Throws<TorchException>(() => torch.set_blas_threads(0));

        Assert.Contains("BLAS thread count must be positive", error.Message, StringComparison.Ordinal);
    }
}
