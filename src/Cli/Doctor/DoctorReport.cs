using System.Runtime.InteropServices;
using FineTune.Training.Backends;

namespace FineTune.Cli.Doctor;

/// <summary>
/// What <c>finetune doctor</c> found. Problems are what running FineTune needs (.NET, a loadable libtorch, PostgreSQL
/// for the service) and make Ok false; warnings are the rest (node only runs tests, a slow BLAS, an idle GPU).
/// </summary>
internal sealed record DoctorReport(
    bool Ok,
    string DotnetVersion,
    LibtorchStatus Libtorch,
    IReadOnlyList<CudaDeviceInfo> CudaDevices,
    IReadOnlyList<string> NvidiaGpus,
    ToolStatus Postgresql,
    ToolStatus Node,
    IReadOnlyList<string> Problems,
    IReadOnlyList<string> Warnings)
{
    /// <summary>What to do on a GPU machine whose libtorch has no CUDA; scripts/torch-dir.sh says the same.</summary>
    public const string CudaLibtorchHint =
        "pip install torch --index-url https://download.pytorch.org/whl/cu130 (a CUDA wheel), or set LIBTORCH to a CUDA libtorch folder, then rerun ./finetune (it rebuilds the shim)";

    public static DoctorReport Collect()
    {
        LibtorchStatus libtorch = LibtorchProbe.Probe();
        IReadOnlyList<CudaDeviceInfo> devices = libtorch.Loaded ? CudaProbe.Devices() : [];
        // nvidia-smi shows the GPUs that libtorch cannot use (a CPU build, a driver problem); when libtorch sees them,
        // its list says more and nvidia-smi's start-up cost is saved.
        IReadOnlyList<string> nvidiaGpus = devices.Count == 0 ? ToolProbe.NvidiaGpus() : [];
        return Classify(RuntimeInformation.FrameworkDescription, libtorch, devices, nvidiaGpus, ToolProbe.Postgres(), ToolProbe.Node());
    }

    /// <summary>Sorts the probes' findings into problems (exit 1) and warnings; pure, so tests can feed it any machine.</summary>
    public static DoctorReport Classify(
        string dotnetVersion,
        LibtorchStatus libtorch,
        IReadOnlyList<CudaDeviceInfo> cudaDevices,
        IReadOnlyList<string> nvidiaGpus,
        ToolStatus postgres,
        ToolStatus node)
    {
        var problems = new List<string>();
        var warnings = new List<string>();
        if (!libtorch.Loaded)
        {
            problems.Add($"libtorch could not be loaded ({libtorch.Error}). Run ./finetune (it installs and builds what is missing) or: apt-get install libtorch-dev libopenblas0-pthread");
        }
        else
        {
            if (nvidiaGpus.Count > 0 && libtorch.Cuda != true)
            {
                warnings.Add($"an NVIDIA GPU is present but libtorch {libtorch.Version} has no CUDA, so everything runs on the CPU: {CudaLibtorchHint}");
            }
            else if (nvidiaGpus.Count > 0 && cudaDevices.Count == 0)
            {
                warnings.Add("libtorch has CUDA but sees no GPU although nvidia-smi lists one: check the driver (nvidia-smi) and CUDA_VISIBLE_DEVICES");
            }
            // MKL (in pip's libtorch) is fast; Debian's libtorch calls whichever BLAS the alternatives system picked.
            bool fastBlas = libtorch.Blas == "mkl" || libtorch.BlasLibrary?.Contains("openblas", StringComparison.Ordinal) == true;
            if (!fastBlas)
            {
                warnings.Add("libtorch is not using OpenBLAS: apt-get install libopenblas0-pthread (the reference BLAS is about 20x slower)");
            }
            if (libtorch.HugePages is { Missing: true })
            {
                warnings.Add($"malloc gives libtorch's large CPU tensors 4 KiB pages, faulted in anew every step (CPU training up to 2.5x slower): start FineTune through ./finetune, or set GLIBC_TUNABLES={MallocHugePages.Tunable} before it starts");
            }
        }
        if (!postgres.Installed)
        {
            problems.Add("PostgreSQL is not installed: apt-get install postgresql (needed by the service and its tests)");
        }
        if (!node.Installed)
        {
            warnings.Add("node is not installed: apt-get install nodejs npm (needed only by the reference tests)");
        }
        return new DoctorReport(problems.Count == 0, dotnetVersion, libtorch, cudaDevices, nvidiaGpus, postgres, node, problems, warnings);
    }
}

/// <summary>
/// libtorch as loaded through the shim. Cuda: whether this libtorch was built with CUDA (null when not loaded);
/// Library: the libtorch_cpu (or libtorch) file mapped into this process. Threads and BlasThreads: the pools as a
/// training job sets them (BlasThreads null where libtorch links no OpenBLAS). HugePages: whether malloc gives libtorch's
/// large CPU tensors huge pages (<see cref="MallocHugePages"/>). IdleThreadsSleep: whether the pools' idle threads sleep
/// rather than spin (<c>torch.idle_threads_sleep</c>), which is what lets each pool have every core.
/// </summary>
internal sealed record LibtorchStatus(
    bool Loaded,
    string? Version,
    bool? Cuda,
    string? Library,
    string? Blas,
    string? BlasLibrary,
    int? Threads,
    int LogicalCores,
    bool? NativeSdpa,
    string? Error,
    int? BlasThreads = null,
    HugePagesState? HugePages = null,
    bool? IdleThreadsSleep = null,
    bool? CpuNativeSdpa = null);

/// <summary>One CUDA device.</summary>
internal sealed record CudaDeviceInfo(int Index, string Name, long TotalBytes);

/// <summary>An external tool: installed or not, its version and where it is.</summary>
internal sealed record ToolStatus(bool Installed, string? Version, string? Path);
