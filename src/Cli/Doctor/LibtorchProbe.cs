using System.Text.RegularExpressions;
using FineTune.Torch;
using FineTune.Training.Backends;

namespace FineTune.Cli.Doctor;

/// <summary>Probes libtorch through the shim; a missing library becomes a status with an error, not a crash.</summary>
internal static partial class LibtorchProbe
{
    public static LibtorchStatus Probe()
    {
        try
        {
            string version = torch.version;
            string config = torch.build_config;
            List<string> mapped = MappedFiles();
            // is_available() also needs a device and a driver; the build settings and libtorch_cuda say what was built.
            bool cuda = UseCudaSetting().IsMatch(config) || mapped.Any(path => IsLibrary(path, "libtorch_cuda"));
            string? library = mapped.FirstOrDefault(path => IsLibrary(path, "libtorch_cpu.so"))
                ?? mapped.FirstOrDefault(path => IsLibrary(path, "libtorch.so"));
            // The thread counts a training job sets (CpuThreads), not the pools' own defaults, which differ.
            CpuThreadSettings threads = CpuThreads.Apply();
            return new LibtorchStatus(
                true, version, cuda, library, BlasName(config), LoadedBlasLibrary(mapped),
                threads.IntraOp, Environment.ProcessorCount, torch.has_native_sdpa, null, threads.Blas, MallocHugePages.Current(), torch.idle_threads_sleep,
                torch.native_sdpa_runs_on(DeviceType.CPU));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TorchException)
        {
            return new LibtorchStatus(false, null, null, null, null, null, null, Environment.ProcessorCount, null, e.Message);
        }
    }

    // at::show_config's "Build settings" line, e.g. "USE_CUDA=ON," (pip wheels) or "USE_CUDA=True," (older builds).
    [GeneratedRegex(@"USE_CUDA=(ON|TRUE|1)\b", RegexOptions.IgnoreCase)]
    private static partial Regex UseCudaSetting();

    private static bool IsLibrary(string path, string namePrefix) =>
        Path.GetFileName(path).StartsWith(namePrefix, StringComparison.Ordinal);

    private static string BlasName(string config)
    {
        foreach (string line in config.Split('\n'))
        {
            int at = line.IndexOf("BLAS_INFO=", StringComparison.Ordinal);
            if (at >= 0)
            {
                return line[(at + "BLAS_INFO=".Length)..].Split(',')[0].Trim();
            }
        }
        return "unknown";
    }

    /// <summary>The BLAS shared object actually mapped into this process (Debian picks it via alternatives).</summary>
    private static string? LoadedBlasLibrary(IReadOnlyList<string> mapped) =>
        mapped
            .Where(path => path.Contains("blas", StringComparison.OrdinalIgnoreCase) || path.Contains("libmkl", StringComparison.Ordinal))
            .Select(path => new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path)
            .OrderByDescending(path => path.Contains("openblas", StringComparison.Ordinal))
            .FirstOrDefault();

    /// <summary>The files mapped into this process, in order of first mapping (empty where /proc is absent).</summary>
    private static List<string> MappedFiles()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
        {
            return [];
        }
        // The path is the last field and the only one with a '/'; it may contain spaces.
        return File.ReadLines(maps)
            .Select(line => line.IndexOf('/', StringComparison.Ordinal) is int at and >= 0 ? line[at..] : null)
            .OfType<string>()
            .Distinct()
            .ToList();
    }
}
