namespace FineTune.Benchmarks.Tests;

public class TrainBenchmarkPeakMemoryTests
{
    [Theory]
    [InlineData("VmHWM:\t 1720782 kB", 1_720_782)]
    // From 9.5 GiB on the number fills the kernel's 8 columns and follows the tab directly (qwen2.5-0.5b, B=2, L=512).
    [InlineData("VmHWM:\t12345678 kB", 12_345_678)]
    public void StatusKilobytes_ReadsTheNumberWhateverItsWidth(string line, long expected)
    {
        Assert.Equal(expected, TrainBenchmark.StatusKilobytes(line));
    }
}
