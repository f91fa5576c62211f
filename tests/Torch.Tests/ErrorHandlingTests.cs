using FineTune.Torch.Interop;

namespace FineTune.Torch.Tests;

[Collection(SerialNativeTests.Name)]
public class ErrorHandlingTests
{
    [Fact]
    public void Matmul_ShapeMismatch_ThrowsTorchExceptionWithLibtorchMessageAndLeaksNothing()
    {
        using Tensor a = torch.ones([2, 3]);
        using Tensor b = torch.ones([4, 5]);
        long baseline = SerialNativeTests.SettledLiveCount();

        var error = Assert.Throws<TorchException>(() => a.matmul(b));

        Assert.Contains("cannot be multiplied", error.Message);
        Assert.Contains("2x3", error.Message);
        Assert.Equal(baseline, torch.live_tensor_count);
        using Tensor stillWorks = a.matmul(torch.ones([3, 1]));
        Assert.Equal([3f, 3f], stillWorks.ToArray<float>());
    }

    [Theory]
    [InlineData(1, "test error raised on purpose", false)]
    [InlineData(2, "bad_alloc", true)]
    [InlineData(3, "std::runtime_error", false)]
    [InlineData(4, "unknown native exception", false)]
    public void NativeExceptions_OfEveryKind_BecomeTypedManagedExceptions(int kind, string messagePart, bool outOfMemory)
    {
        var error = Assert.ThrowsAny<TorchException>(() => Native.Check(NativeMethods.FtShim_RaiseForTest(kind)));

        Assert.Contains(messagePart, error.Message);
        Assert.Equal(kind, error.StatusCode);
        Assert.Equal(outOfMemory, error is TorchOutOfMemoryException);
    }

    [Fact]
    public void ErrorMessage_IsPerThread()
    {
        Assert.Throws<TorchException>(() => torch.ones([2]).view(3));
        string? otherThreadMessage = null;
        var thread = new Thread(() => otherThreadMessage = System.Runtime.InteropServices.Marshal.PtrToStringUTF8(NativeMethods.FtError_Message()));

        thread.Start();
        thread.Join();

        Assert.Equal("", otherThreadMessage);
    }

    [Fact]
    public void UsingADisposedTensor_ThrowsObjectDisposedException()
    {
        Tensor t = torch.ones([2]);
        t.Dispose();

        Assert.Throws<ObjectDisposedException>(() => t.sum());
        t.Dispose();
    }

    [Fact]
    public void UnsupportedOptions_AreClearErrors()
    {
        var badDevice = Assert.Throws<FormatException>(() => Device.Parse("tpu:0"));
        Assert.Contains("tpu:0", badDevice.Message);
        Assert.Throws<InvalidOperationException>(() => torch.ones([2]).ToArray<long>());
        if (!torch.cuda.is_available())
        {
            Assert.ThrowsAny<TorchException>(() => torch.zeros([2], device: Device.CUDA()));
            Assert.ThrowsAny<TorchException>(() => torch.cuda.memory_stats());
        }
    }
}
