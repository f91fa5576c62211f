using FineTune.Torch;
using FineTune.Training.Backends;

namespace FineTune.Training.Tests.Backends;

public class CpuThreadsTests
{
    [Theory]
    [InlineData(1, false, 1)]
    [InlineData(2, false, 1)]
    [InlineData(16, false, 8)]
    [InlineData(1, true, 1)]
    [InlineData(2, true, 2)]
    [InlineData(16, true, 16)]
    public void DefaultPoolThreads_AreEveryCoreWhenIdleThreadsSleep_ElseHalf(int cores, bool idleThreadsSleep, int expected)
    {
        Assert.Equal(expected, CpuThreads.DefaultPoolThreads(cores, idleThreadsSleep));
    }

    [Fact]
    public void Apply_SetsBothPools_AndNamedCountsWin()
    {
        CpuThreadSettings before = CpuThreads.Current();
        try
        {
            CpuThreadSettings applied = CpuThreads.Apply(intraOp: 3, blas: 2);

            Assert.Equal(3, applied.IntraOp);
            Assert.Equal(3, torch.get_num_threads());
            Assert.Equal(torch.get_blas_threads() is null ? null : 2, applied.Blas);

            CpuThreadSettings defaults = CpuThreads.Apply();

            int expected = CpuThreads.DefaultPoolThreads(Environment.ProcessorCount, torch.idle_threads_sleep);
            Assert.Equal(expected, defaults.IntraOp);
            Assert.Equal(torch.get_blas_threads() is null ? null : expected, defaults.Blas);
            // This test host did not start with OMP_WAIT_POLICY or OPENBLAS_THREAD_TIMEOUT of its own (test.sh sets none).
            Assert.True(torch.idle_threads_sleep || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null || Environment.GetEnvironmentVariable("OPENBLAS_THREAD_TIMEOUT") is not null);
        }
        finally
        {
            CpuThreads.Apply(before.IntraOp, before.Blas);
        }
    }

    [Fact]
    public void Apply_BelowOneThread_NamesThePool()
    {
        Assert.Equal("intraOp", Assert.Throws<ArgumentOutOfRangeException>(() => CpuThreads.Apply(intraOp: 0)).ParamName);
        Assert.Equal("blas", Assert.Throws<ArgumentOutOfRangeException>(() => CpuThreads.Apply(blas: 0)).ParamName);
    }
}
