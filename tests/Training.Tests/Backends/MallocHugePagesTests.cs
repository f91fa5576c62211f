using FineTune.Training.Backends;

namespace FineTune.Training.Tests.Backends;

public class MallocHugePagesTests
{
    [Theory]
    [InlineData("glibc.malloc.hugetlb=1", true)]
    [InlineData("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1", true)]
    [InlineData("glibc.malloc.hugetlb=2", true)]
    [InlineData("glibc.malloc.hugetlb=0", false)]
    [InlineData("glibc.malloc.hugetlb=10", false)]
    [InlineData("glibc.malloc.arena_max=2", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Requested_ReadsTheHugetlbTunable(string? tunables, bool expected) =>
        Assert.Equal(expected, MallocHugePages.Requested(tunables));

    [Theory]
    [InlineData("always [madvise] never\n", "madvise")]
    [InlineData("[always] madvise never\n", "always")]
    [InlineData("always madvise [never]\n", "never")]
    [InlineData("garbled\n", null)]
    [InlineData("[]\n", null)]
    public void KernelMode_IsTheBracketedWord(string file, string? expected) =>
        Assert.Equal(expected, MallocHugePages.KernelMode(file));

    [Theory]
    [InlineData(true, "madvise", true, false)]
    [InlineData(false, "madvise", false, true)]
    [InlineData(false, "always", true, false)]
    [InlineData(true, "never", false, false)]
    [InlineData(true, null, false, false)]
    public void State_InEffectOnlyWhereTheKernelGivesThem(bool requested, string? mode, bool inEffect, bool missing)
    {
        var state = new HugePagesState(requested, mode);

        Assert.Equal(inEffect, state.InEffect);
        Assert.Equal(missing, state.Missing);
        Assert.StartsWith(inEffect ? "huge pages" : "4 KiB pages", state.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Current_ReportsThisProcesssEnvironment()
    {
        HugePagesState state = MallocHugePages.Current();

        Assert.Equal(MallocHugePages.Requested(Environment.GetEnvironmentVariable("GLIBC_TUNABLES")), state.Requested);
        if (File.Exists("/sys/kernel/mm/transparent_hugepage/enabled"))
        {
            Assert.Contains(state.KernelMode, new[] { "always", "madvise", "never" });
        }
    }
}
