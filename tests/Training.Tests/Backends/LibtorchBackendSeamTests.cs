using FineTune.Contracts.Backends;
using FineTune.Torch;
using FineTune.Training.Backends;

namespace FineTune.Training.Tests.Backends;

/// <summary>What the libtorch backends tell the worker in its own terms (issue 16 item 4).</summary>
public sealed class LibtorchBackendSeamTests
{
    [Fact]
    public void OutOfMemory_LeavesTheBackendAsTheContractsError()
    {
        var raised = new TorchOutOfMemoryException("CUDA out of memory. Tried to allocate 2.00 GiB");

        var error = Assert.Throws<DeviceOutOfMemoryException>(() => LibtorchBackend.WithOutOfMemoryTranslated<int>(() => throw raised));

        Assert.Equal(raised.Message, error.Message);
        Assert.Same(raised, error.InnerException);
    }

    [Fact]
    public void OtherErrors_LeaveTheBackendUnchanged()
    {
        var raised = new TorchException("shape mismatch");

        Assert.Same(raised, Assert.Throws<TorchException>(() => LibtorchBackend.WithOutOfMemoryTranslated<int>(() => throw raised)));
        Assert.Equal(7, LibtorchBackend.WithOutOfMemoryTranslated(() => 7));
    }

    [Fact]
    public void Runtime_IsLibtorchWithItsVersion()
    {
        Assert.Equal(new BackendRuntime("libtorch", torch.version), LibtorchBackend.Cpu.Runtime);
        Assert.Equal(LibtorchBackend.Cpu.Runtime, LibtorchBackend.Cuda.Runtime);
    }

    [Fact]
    public void LiveNativeObjects_CountsLiveTensors()
    {
        using Tensor tensor = torch.zeros([2, 3]);

        // At least this one; other tests in the process may hold more, so the exact count is not this test's to know.
        Assert.True(LibtorchBackend.Cpu.LiveNativeObjects >= 1, "a live tensor is counted");
    }

    [Fact]
    public void ReadDeviceMemory_HasOneFigureSetPerListedDevice()
    {
        Assert.Empty(LibtorchBackend.Cpu.ReadDeviceMemory());
        IReadOnlyList<TrainingDevice> devices = LibtorchBackend.Cuda.ListDevices();
        IReadOnlyList<DeviceMemory> memory = LibtorchBackend.Cuda.ReadDeviceMemory();
        Assert.Equal(devices.Count, memory.Count);
        Assert.All(memory, figures => Assert.True(figures.TotalBytes > 0 && figures.PeakAllocatedBytes >= figures.AllocatedBytes));
    }
}
