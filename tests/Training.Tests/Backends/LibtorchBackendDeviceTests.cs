using System.Text.Json.Nodes;
using FineTune.Torch;
using FineTune.Training.Backends;

namespace FineTune.Training.Tests.Backends;

/// <summary>The backend, not the worker, decides which device a worker slot's job runs on.</summary>
public class LibtorchBackendDeviceTests
{
    [Theory]
    [InlineData(0, 4, 0)]
    [InlineData(3, 4, 3)]
    [InlineData(5, 4, 1)]
    [InlineData(2, 0, 0)]
    public void CudaDeviceForSlot_IsTheSlotModTheGpuCount(int slot, int gpus, int expected)
    {
        Assert.Equal(expected, LibtorchBackend.CudaDeviceForSlot(slot, gpus));
    }

    [Fact]
    public void AssignDevice_OnTheCpuBackend_LeavesTheOptionsAlone()
    {
        var options = new JsonObject { ["threads"] = 2 };

        Assert.Same(options, LibtorchBackend.Cpu.AssignDevice(options, slot: 3));
        Assert.Null(LibtorchBackend.Cpu.AssignDevice(null, slot: 1));
    }

    [Fact]
    public void AssignDevice_OnCuda_KeepsADeviceTheJobChoseAndNeverEditsTheJobsOptions()
    {
        var chosen = new JsonObject { ["device_index"] = 5, ["dtype"] = "bf16" };
        var unchosen = new JsonObject { ["dtype"] = "bf16" };

        Assert.Same(chosen, LibtorchBackend.Cuda.AssignDevice(chosen, slot: 1));
        JsonObject? assigned = LibtorchBackend.Cuda.AssignDevice(unchosen, slot: 1);

        Assert.False(unchosen.ContainsKey("device_index"));
        if (torch.cuda.is_available())
        {
            Assert.Equal(LibtorchBackend.CudaDeviceForSlot(1, torch.cuda.device_count()), assigned!["device_index"]!.GetValue<int>());
        }
        else
        {
            // Without a GPU there is no device to assign; the backend reports itself unavailable instead.
            Assert.Same(unchosen, assigned);
        }
    }

    [Fact]
    public void ListDevices_OnTheCpuBackend_IsEmpty()
    {
        Assert.Empty(LibtorchBackend.Cpu.ListDevices());
    }

    [Fact]
    public void ListDevices_OnCuda_IsEveryCudaDeviceInTheOrderSlotsAreAssigned()
    {
        IReadOnlyList<TrainingDevice> devices = LibtorchBackend.Cuda.ListDevices();

        int count = torch.cuda.is_available() ? torch.cuda.device_count() : 0;
        Assert.Equal(Enumerable.Range(0, count).Select(index => $"cuda:{index}"), devices.Select(device => device.Id));
        Assert.All(devices, device => Assert.True(device.MemoryBytes > 0 && device.Model.Length > 0, $"{device}"));
        for (int slot = 0; slot < count; slot++)
        {
            JsonObject assigned = LibtorchBackend.Cuda.AssignDevice(null, slot)!;
            Assert.Equal(devices[slot].Id, $"cuda:{assigned["device_index"]!.GetValue<int>()}");
        }
    }
}
