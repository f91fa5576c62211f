using FineTune.Training.Backends;

namespace FineTune.Cli.Doctor;

/// <summary>The human-readable form of a <see cref="DoctorReport"/>.</summary>
internal static class DoctorText
{
    public static void Write(DoctorReport report, TextWriter output)
    {
        LibtorchStatus torch = report.Libtorch;
        output.WriteLine($".NET        {report.DotnetVersion}");
        output.WriteLine(torch.Loaded
            ? $"libtorch    {torch.Version}, {(torch.Cuda == true ? "with CUDA" : "CPU only")} (fused attention: {FusedAttention(torch)})"
            : $"libtorch    not loaded: {torch.Error}");
        if (torch.Loaded)
        {
            output.WriteLine($"library     {torch.Library ?? "not found in /proc/self/maps"}");
            output.WriteLine($"BLAS        {torch.Blas} -> {torch.BlasLibrary ?? "not found"}");
            string blasThreads = torch.BlasThreads is int blas ? $"{blas} OpenBLAS" : "BLAS threads follow intra-op";
            string waiting = torch.IdleThreadsSleep switch { true => ", idle threads sleep", false => ", idle threads spin (OMP_WAIT_POLICY/OPENBLAS_THREAD_TIMEOUT given)", null => "" };
            output.WriteLine($"threads     {torch.Threads} intra-op, {blasThreads}, of {torch.LogicalCores} logical cores (as training sets them){waiting}");
            if (torch.HugePages is HugePagesState pages)
            {
                output.WriteLine($"memory      {pages.Describe()}");
            }
        }
        output.WriteLine(report.CudaDevices.Count == 0
            ? "CUDA        none"
            : $"CUDA        {string.Join("; ", report.CudaDevices.Select(d => $"cuda:{d.Index} {d.Name} {d.TotalBytes / (1 << 30)} GiB"))}");
        foreach (string gpu in report.NvidiaGpus)
        {
            output.WriteLine($"nvidia-smi  {gpu}");
        }
        output.WriteLine($"PostgreSQL  {(report.Postgresql.Installed ? report.Postgresql.Version : "not installed")}");
        output.WriteLine($"node        {(report.Node.Installed ? report.Node.Version : "not installed")}");
        foreach (string problem in report.Problems)
        {
            output.WriteLine($"problem: {problem}");
        }
        foreach (string warning in report.Warnings)
        {
            output.WriteLine($"warning: {warning}");
        }
        output.WriteLine(report.Ok ? "ok" : "not ok: fix the problems above");
    }

    // libtorch 2.x's kernel, except on a CPU whose multi-threaded OpenBLAS it would fight (FineTune.Torch's AttentionKernel).
    private static string FusedAttention(LibtorchStatus torch) => (torch.NativeSdpa, torch.CpuNativeSdpa, torch.Cuda) switch
    {
        (not true, _, _) => "no, composed",
        (true, false, true) => "yes on CUDA; composed on the CPU, beside OpenBLAS's own thread pool",
        (true, false, _) => "composed on the CPU, beside OpenBLAS's own thread pool",
        _ => "yes",
    };
}
