using System.Diagnostics;
using FineTune.Testing;
using FineTune.Training.Backends;

namespace FineTune.Cli.Tests;

/// <summary>
/// scripts/glibc-tunables.sh, which ./finetune, ./test.sh and the images use to give malloc's large blocks huge pages:
/// it adds the setting, keeps what the user set, and never overrides a hugetlb choice of theirs.
/// </summary>
public sealed class GlibcTunablesScriptTests
{
    [Theory]
    [InlineData(null, "glibc.malloc.hugetlb=1")]
    [InlineData("", "glibc.malloc.hugetlb=1")]
    [InlineData("glibc.malloc.arena_max=2", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1")]
    [InlineData("glibc.malloc.hugetlb=0", "glibc.malloc.hugetlb=0")]
    [InlineData("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2")]
    public async Task PrintsTheTunablesWithHugePagesAdded(string? current, string expected)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepoPaths.RepoRoot, "scripts", "glibc-tunables.sh"));
        start.Environment.Remove("GLIBC_TUNABLES");
        if (current is not null)
        {
            start.Environment["GLIBC_TUNABLES"] = current;
        }
        using Process process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, error);
        Assert.Equal(expected, output.TrimEnd('\n'));
        Assert.Equal(expected.Contains("hugetlb=1", StringComparison.Ordinal) || expected.Contains("hugetlb=2", StringComparison.Ordinal), MallocHugePages.Requested(expected));
    }
}
