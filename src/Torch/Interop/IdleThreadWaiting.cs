using System.Runtime.InteropServices;

namespace FineTune.Torch.Interop;

/// <summary>
/// How the CPU thread pools' idle threads wait: libtorch's OpenMP pool (libgomp) and OpenBLAS's own pool each read it
/// from the environment once, when they load, so it is set here just before libtorchshim (and with it both libraries)
/// loads. Both are told to sleep when idle (<c>OMP_WAIT_POLICY=PASSIVE</c>, <c>OPENBLAS_THREAD_TIMEOUT=4</c>: spin for
/// 2⁴ cycles, not OpenBLAS's default 2²⁸) unless the process was started with its own values, which win.
/// </summary>
/// <remarks>
/// The pools take turns (GEMMs in OpenBLAS, everything else in libtorch); with their default spinning the idle pool's
/// threads keep the cores busy (OpenBLAS's sched_yield loop, OpenMP's busy wait), so two pools of one thread per core
/// each took the cores from each other, and training had to run half the cores per pool (<c>CpuThreads</c>). Sleeping,
/// both pools can have every core. llama-30m, bench train, B=4, L=256, this project's 2-core VM, 2026-12-07:
/// 1 libtorch + 1 OpenBLAS thread spinning 486–563 tokens/s; 2 + 2 spinning 362; 2 + 2 with only OpenMP passive 687,
/// only OpenBLAS's timeout 453, both 762–963 tokens/s (1.5×). .NET keeps its own copy of the environment, so the
/// values go to the C library's <c>setenv</c>, which is what libgomp's and OpenBLAS's <c>getenv</c> read. glibc's
/// <c>setenv</c> is not safe against a <c>getenv</c> on another thread at that moment; nothing native in our hosts reads
/// the environment when libtorch loads, and a host that cannot say so sets both variables before it starts (then
/// nothing is set here).
/// </remarks>
internal static class IdleThreadWaiting
{
    internal const string OpenMpWaitPolicy = "OMP_WAIT_POLICY";
    internal const string OpenBlasThreadTimeout = "OPENBLAS_THREAD_TIMEOUT";

    /// <summary>Whether both pools' idle threads sleep: true unless the process was started telling them otherwise.</summary>
    public static bool Sleeping { get; private set; }

    /// <summary>Sets what is not set yet; called once, before libtorchshim loads.</summary>
    internal static void BeforeLibrariesLoad()
    {
        string? policy = SetUnlessGiven(OpenMpWaitPolicy, "PASSIVE");
        string? timeout = SetUnlessGiven(OpenBlasThreadTimeout, "4");
        Sleeping = IsSleeping(policy, timeout);
    }

    /// <summary>
    /// Whether these settings make both pools sleep when idle: OpenMP's policy passive, and OpenBLAS's timeout at
    /// most 2¹⁰ cycles (OpenBLAS clamps it to 4..30; a microsecond at most, where its default spins ~0.1 s).
    /// </summary>
    internal static bool IsSleeping(string? policy, string? timeout) =>
        string.Equals(policy?.Trim(), "PASSIVE", StringComparison.OrdinalIgnoreCase)
        && int.TryParse(timeout, out int exponent) && exponent <= 10;

    // The value in force: the one the process started with, else this one once the C library holds it (null where
    // there is no setenv to call).
    private static string? SetUnlessGiven(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } given)
        {
            return given;
        }
        return (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && SetEnv(name, value, 0) == 0 ? value : null;
    }

    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetEnv(string name, string value, int overwrite);
}
