namespace FineTune.Training.Backends;

/// <summary>
/// Whether glibc's malloc backs the large blocks it maps (libtorch's CPU activations) with transparent huge pages.
/// glibc maps each block above its mmap threshold (at most 32 MiB) afresh and unmaps it on free, so without huge pages
/// every training step faults in each 4 KiB page of its large tensors again. The switch is the tunable
/// <c>glibc.malloc.hugetlb=1</c> in <c>GLIBC_TUNABLES</c>, which glibc reads once at process start, so it cannot be
/// set from here: <c>./finetune</c>, <c>./test.sh</c> and the Docker images set it (<c>scripts/glibc-tunables.sh</c>),
/// and this type reports whether it is in force.
/// </summary>
/// <remarks>
/// llama-30m shape, f32, <c>bench train</c>, 1 libtorch and 1 OpenBLAS thread, this project's 2-core VM (AMD EPYC,
/// glibc 2.36, Linux 6.18, THP mode <c>madvise</c>), 2026-12-07. B=4 L=256: 447–518 tokens/s without (MFU 57–62% of
/// the GEMM measured in the same run; perf: 11% of samples in the kernel's page-fault path), 564–572 tokens/s with
/// (MFU 67–69%), peak memory 1.6 GiB both. B=1 L=2048: 81 tokens/s (MFU 17%) without, 200 (MFU 45%) with, peak 3.9
/// vs 3.8 GiB. Keeping freed blocks in the heap instead (<c>M_MMAP_MAX=0</c> and no trimming) gave 250 tokens/s at
/// L=2048 but a 22–27% higher peak from fragmentation, so huge pages it is.
/// </remarks>
public static class MallocHugePages
{
    /// <summary>The glibc tunable (and value) that asks malloc for transparent huge pages on the blocks it maps.</summary>
    public const string Tunable = "glibc.malloc.hugetlb=1";

    private const string KernelModeFile = "/sys/kernel/mm/transparent_hugepage/enabled";

    /// <summary>This process's setting: the environment it started with and the kernel's THP mode.</summary>
    public static HugePagesState Current()
    {
        string? mode = null;
        try
        {
            mode = File.Exists(KernelModeFile) ? KernelMode(File.ReadAllText(KernelModeFile)) : null;
        }
        catch (IOException)
        {
            // Unreadable (a sandbox): reported as unknown, which is what it is.
        }
        catch (UnauthorizedAccessException)
        {
        }
        return new HugePagesState(Requested(Environment.GetEnvironmentVariable("GLIBC_TUNABLES")), mode);
    }

    /// <summary>
    /// Whether a <c>GLIBC_TUNABLES</c> value asks malloc for huge pages: <c>glibc.malloc.hugetlb</c> 1 (transparent,
    /// by madvise) or 2 (hugetlbfs pages, which the administrator reserves).
    /// </summary>
    public static bool Requested(string? tunables) =>
        tunables is not null
        && tunables.Split(':').Any(setting => setting is Tunable or "glibc.malloc.hugetlb=2");

    /// <summary>The selected mode in the kernel's THP file (<c>always [madvise] never</c> → <c>madvise</c>).</summary>
    public static string? KernelMode(string enabledFileText)
    {
        int open = enabledFileText.IndexOf('[', StringComparison.Ordinal);
        int close = open < 0 ? -1 : enabledFileText.IndexOf(']', open);
        return close > open + 1 ? enabledFileText[(open + 1)..close] : null;
    }
}

/// <summary>
/// Whether malloc's large blocks get huge pages. <paramref name="Requested"/>: <c>GLIBC_TUNABLES</c> asks for them;
/// <paramref name="KernelMode"/>: the kernel's THP mode (<c>always</c>, <c>madvise</c>, <c>never</c>; null where
/// unknown).
/// </summary>
public readonly record struct HugePagesState(bool Requested, string? KernelMode)
{
    /// <summary>In <c>always</c> mode the kernel gives them unasked; in <c>madvise</c> mode malloc must ask.</summary>
    public bool InEffect => KernelMode == "always" || (Requested && KernelMode == "madvise");

    /// <summary>Whether setting the tunable would turn them on: off, and the kernel honours madvise.</summary>
    public bool Missing => !InEffect && KernelMode == "madvise";

    /// <summary>One phrase for bench and doctor output.</summary>
    public string Describe() => (InEffect, KernelMode) switch
    {
        (true, "always") => "huge pages for large blocks (the kernel's THP mode is always)",
        (true, _) => $"huge pages for large blocks ({MallocHugePages.Tunable}, THP {KernelMode})",
        (false, "madvise") => $"4 KiB pages for large blocks: set GLIBC_TUNABLES={MallocHugePages.Tunable} before starting (./finetune does)",
        (false, null) => "4 KiB pages for large blocks (the kernel's THP mode is unknown)",
        _ => $"4 KiB pages for large blocks (the kernel's THP mode is {KernelMode})",
    };
}
