namespace FineTune.Worker.Tests;

public sealed class GpuPlacementTests
{
    [Theory]
    [InlineData(null, true, 4, 4)]
    [InlineData(null, true, 0, 1)]
    [InlineData(null, false, 4, 1)]
    [InlineData(2, true, 4, 2)]
    [InlineData(3, false, 0, 3)]
    public void SlotCount_DefaultsToOnePerGpuWhenOfferingCuda(int? configured, bool offersCuda, int gpus, int expected)
    {
        Assert.Equal(expected, GpuPlacement.SlotCount(configured, offersCuda, gpus));
    }

    [Fact]
    public void MemoryPerJob_IsTheSmallestGpuWhenOfferingCuda()
    {
        long[] gpus = [80L << 30, 24L << 30, 48L << 30];

        Assert.Equal(24L << 30, GpuPlacement.MemoryPerJob(null, offersCuda: true, gpus, hostBytes: 512L << 30));
        Assert.Equal(512L << 30, GpuPlacement.MemoryPerJob(null, offersCuda: false, gpus, hostBytes: 512L << 30));
        Assert.Equal(512L << 30, GpuPlacement.MemoryPerJob(null, offersCuda: true, [], hostBytes: 512L << 30));
        Assert.Equal(10L << 30, GpuPlacement.MemoryPerJob(10L << 30, offersCuda: true, gpus, hostBytes: 512L << 30));
    }
}
