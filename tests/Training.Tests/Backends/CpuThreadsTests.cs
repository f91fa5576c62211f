using FineTune.Torch;
using FineTune.Training.Backends;

namespace FineTune.Training.Tests.Backends;

public class CpuThreadsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(16, 8)]
    public void DefaultPoolThreads_AreHalfTheCoresAtLeastOne(int cores, int expected)
    {
        Assert.Equal(expected, CpuThreads.DefaultPoolThreads(cores));
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

            int half = CpuThreads.DefaultPoolThreads(Environment.ProcessorCount);
            Assert.Equal(half, defaults.IntraOp);
            Assert.Equal(torch.get_blas_threads() is null ? null : half, defaults.Blas);
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
