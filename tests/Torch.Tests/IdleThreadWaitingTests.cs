using System.Runtime.InteropServices;
using FineTune.Torch.Interop;

namespace FineTune.Torch.Tests;

public class IdleThreadWaitingTests
{
    [Theory]
    [InlineData("PASSIVE", "4", true)]
    [InlineData("passive", "10", true)]
    [InlineData("PASSIVE", "28", false)]  // OpenBLAS's default: ~0.1 s of spinning
    [InlineData("ACTIVE", "4", false)]
    [InlineData("PASSIVE", null, false)]
    [InlineData(null, "4", false)]
    [InlineData("PASSIVE", "soon", false)]
    public void IsSleeping_NeedsAPassivePolicyAndAShortTimeout(string? policy, string? timeout, bool expected) =>
        Assert.Equal(expected, IdleThreadWaiting.IsSleeping(policy, timeout));

    [Fact]
    public void OnceLibtorchIsLoaded_TheCLibrarysEnvironmentHoldsTheSettingsInForce()
    {
        bool sleeping = torch.idle_threads_sleep;

        // What libgomp and OpenBLAS read: the C library's environment, which .NET's own copy does not show.
        string? policy = Marshal.PtrToStringUTF8(GetEnv(IdleThreadWaiting.OpenMpWaitPolicy));
        string? timeout = Marshal.PtrToStringUTF8(GetEnv(IdleThreadWaiting.OpenBlasThreadTimeout));
        Assert.Equal(Environment.GetEnvironmentVariable(IdleThreadWaiting.OpenMpWaitPolicy) ?? "PASSIVE", policy);
        Assert.Equal(Environment.GetEnvironmentVariable(IdleThreadWaiting.OpenBlasThreadTimeout) ?? "4", timeout);
        Assert.Equal(IdleThreadWaiting.IsSleeping(policy, timeout), sleeping);
    }

    [DllImport("libc", EntryPoint = "getenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint GetEnv(string name);
}
