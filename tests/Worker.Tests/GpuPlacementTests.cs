using FineTune.Training.Backends;

namespace FineTune.Worker.Tests;

public sealed class GpuPlacementTests
{
    [Theory]
    [InlineData(null, 4, 4)]
    [InlineData(null, 0, 1)]
    [InlineData(2, 4, 2)]
    [InlineData(3, 0, 3)]
    public void SlotCount_DefaultsToOnePerDevice(int? configured, int devices, int expected)
    {
        Assert.Equal(expected, GpuPlacement.SlotCount(configured, devices));
    }

    [Fact]
    public void MemoryPerJob_IsTheSmallestDeviceOrTheHostWithoutDevices()
    {
        long[] gpus = [80L << 30, 24L << 30, 48L << 30];

        Assert.Equal(24L << 30, GpuPlacement.MemoryPerJob(null, gpus, hostBytes: 512L << 30));
        Assert.Equal(512L << 30, GpuPlacement.MemoryPerJob(null, [], hostBytes: 512L << 30));
        Assert.Equal(10L << 30, GpuPlacement.MemoryPerJob(10L << 30, gpus, hostBytes: 512L << 30));
    }

    [Fact]
    public void SlotDeviceId_IsTheDeviceTheBackendAssignsTheSlotOrTheCpu()
    {
        TrainingDevice[] devices = [new("cuda:0", "A", 1), new("cuda:1", "B", 1)];

        Assert.Equal(["cuda:0", "cuda:1", "cuda:0"], Enumerable.Range(0, 3).Select(slot => GpuPlacement.SlotDeviceId(devices, slot)));
        Assert.Equal(LibtorchBackend.CudaDeviceForSlot(2, devices.Length), int.Parse(GpuPlacement.SlotDeviceId(devices, 2)["cuda:".Length..], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("cpu:2", GpuPlacement.SlotDeviceId([], 2));
    }
}
