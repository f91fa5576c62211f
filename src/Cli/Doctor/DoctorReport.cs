using System.Runtime.InteropServices;
using FineTune.Torch;

namespace FineTune.Cli.Doctor;

/// <summary>What <c>finetune doctor</c> found. Ok is false when something required is missing.</summary>
internal sealed record DoctorReport(
    bool Ok,
    string DotnetVersion,
    LibtorchStatus Libtorch,
    IReadOnlyList<CudaDeviceInfo> CudaDevices,
    ToolStatus Postgresql,
    ToolStatus Node,
    IReadOnlyList<string> Problems)
{
    public static DoctorReport Collect()
    {
        var problems = new List<string>();
        LibtorchStatus libtorch = LibtorchProbe.Probe(problems);
        IReadOnlyList<CudaDeviceInfo> devices = libtorch.Loaded ? CudaProbe.Devices() : [];
        ToolStatus postgres = ToolProbe.Postgres();
        if (!postgres.Installed)
        {
            problems.Add("PostgreSQL is not installed: apt-get install postgresql (needed by the service and its tests)");
        }
        ToolStatus node = ToolProbe.Node();
        if (!node.Installed)
        {
            problems.Add("node is not installed: apt-get install nodejs npm (needed by the reference tests)");
        }
        return new DoctorReport(libtorch.Loaded && problems.Count == 0, RuntimeInformation.FrameworkDescription, libtorch, devices, postgres, node, problems);
    }
}

/// <summary>libtorch as loaded through the shim.</summary>
internal sealed record LibtorchStatus(bool Loaded, string? Version, string? Blas, string? BlasLibrary, int? Threads, int LogicalCores, bool? NativeSdpa, string? Error);

/// <summary>One CUDA device.</summary>
internal sealed record CudaDeviceInfo(int Index, string Name, long TotalBytes);

/// <summary>An external tool: installed or not, its version and where it is.</summary>
internal sealed record ToolStatus(bool Installed, string? Version, string? Path);

/// <summary>Probes libtorch through the shim; a missing library becomes a problem line, not a crash.</summary>
internal static class LibtorchProbe
{
    public static LibtorchStatus Probe(List<string> problems)
    {
        try
        {
            string version = torch.version;
            string blas = BlasName(torch.build_config);
            string? blasLibrary = LoadedBlasLibrary();
            if (blasLibrary is null || !blasLibrary.Contains("openblas", StringComparison.Ordinal))
            {
                problems.Add("libtorch is not using OpenBLAS: apt-get install libopenblas0-pthread (the reference BLAS is about 20x slower)");
            }
            return new LibtorchStatus(true, version, blas, blasLibrary, torch.get_num_threads(), Environment.ProcessorCount, torch.has_native_sdpa, null);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TorchException)
        {
            problems.Add($"libtorch could not be loaded ({e.Message}). Run ./test.sh or: apt-get install libtorch-dev libopenblas0-pthread");
            return new LibtorchStatus(false, null, null, null, null, Environment.ProcessorCount, null, e.Message);
        }
    }

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
    private static string? LoadedBlasLibrary()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
        {
            return null;
        }
        return File.ReadLines(maps)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "")
            .Where(path => path.Contains("blas", StringComparison.OrdinalIgnoreCase) || path.Contains("libmkl", StringComparison.Ordinal))
            .Select(path => new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path)
            .OrderByDescending(path => path.Contains("openblas", StringComparison.Ordinal))
            .FirstOrDefault();
    }
}

/// <summary>Lists CUDA devices; a CPU build of libtorch simply has none.</summary>
internal static class CudaProbe
{
    public static IReadOnlyList<CudaDeviceInfo> Devices()
    {
        if (!torch.cuda.is_available())
        {
            return [];
        }
        return Enumerable.Range(0, torch.cuda.device_count())
            .Select(i =>
            {
                var (name, total) = torch.cuda.get_device_info(i);
                return new CudaDeviceInfo(i, name, total);
            })
            .ToList();
    }
}
