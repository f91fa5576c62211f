using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text.Json;
using FineTune.Cli.Doctor;
using FineTune.Training.Backends;

namespace FineTune.Cli.Tests;

public class DoctorCommandTests
{
    private static readonly ToolStatus Installed = new(true, "v1", "/usr/bin/tool");
    private static readonly ToolStatus Missing = new(false, null, null);

    [Fact]
    public void Doctor_Json_ReportsLibtorchDotnetCudaAndPostgres()
    {
        CliRun run = CliRun.Invoke("doctor", "--json");

        using JsonDocument report = JsonDocument.Parse(run.Output);
        JsonElement root = report.RootElement;
        JsonElement libtorch = root.GetProperty("libtorch");
        Assert.True(libtorch.GetProperty("loaded").GetBoolean(), run.Output);
        Assert.Matches(@"^\d+\.\d+\.\d+", libtorch.GetProperty("version").GetString());
        Assert.True(libtorch.GetProperty("threads").GetInt32() >= 1);
        // The test host starts without OMP_WAIT_POLICY/OPENBLAS_THREAD_TIMEOUT, so the idle threads were told to sleep.
        Assert.Equal(
            Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null && Environment.GetEnvironmentVariable("OPENBLAS_THREAD_TIMEOUT") is null ? JsonValueKind.True : libtorch.GetProperty("idle_threads_sleep").ValueKind,
            libtorch.GetProperty("idle_threads_sleep").ValueKind);
        Assert.StartsWith(".NET", root.GetProperty("dotnet_version").GetString());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("cuda_devices").ValueKind);
        Assert.Equal(JsonValueKind.True, root.GetProperty("postgresql").GetProperty("installed").ValueKind);
        bool ok = root.GetProperty("ok").GetBoolean();
        Assert.Equal(ok ? 0 : 1, run.ExitCode);
        Assert.Equal(ok, root.GetProperty("problems").GetArrayLength() == 0);
    }

    [Fact]
    public void Doctor_Text_NamesEveryCheck()
    {
        CliRun run = CliRun.Invoke("doctor");

        foreach (string label in new[] { ".NET", "libtorch", "BLAS", "threads", "CUDA", "PostgreSQL" })
        {
            Assert.Contains(label, run.Output);
        }
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public void Doctor_Json_WithoutNodeAndWithAnNvidiaGpu_ExitsZeroAndWarns()
    {
        string bin = Path.Combine(Path.GetTempPath(), "finetune-doctor-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(bin);
        try
        {
            // PATH holds only a fake nvidia-smi: no node, and a GPU that a CPU libtorch cannot use.
            string smi = Path.Combine(bin, "nvidia-smi");
            File.WriteAllText(smi, "#!/bin/sh\necho 'GPU 0: NVIDIA H200 (UUID: GPU-00000000-0000-0000-0000-000000000000)'\n");
            File.SetUnixFileMode(smi, UnixFileMode.UserRead | UnixFileMode.UserExecute);

            (int exitCode, string output, string error) = RunCliProcess(bin, "doctor", "--json");

            Assert.True(exitCode == 0, output + error);
            using JsonDocument report = JsonDocument.Parse(output);
            JsonElement root = report.RootElement;
            Assert.False(root.GetProperty("node").GetProperty("installed").GetBoolean());
            Assert.Empty(root.GetProperty("problems").EnumerateArray());
            string warnings = root.GetProperty("warnings").ToString();
            Assert.Contains("node is not installed", warnings);
            // On a machine whose libtorch has CUDA and sees the real GPUs, nvidia-smi is not asked.
            if (root.GetProperty("cuda_devices").GetArrayLength() == 0 && !root.GetProperty("libtorch").GetProperty("cuda").GetBoolean())
            {
                Assert.Contains(root.GetProperty("nvidia_gpus").EnumerateArray(), gpu => gpu.GetString()!.StartsWith("GPU 0: NVIDIA H200", StringComparison.Ordinal));
                Assert.Contains("pip install torch --index-url https://download.pytorch.org/whl/cu130", warnings);
            }
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    [Fact]
    public void Classify_NodeMissing_IsAWarningNotAProblem()
    {
        DoctorReport report = Classify(CpuLibtorch(), nvidiaGpus: [], node: Missing);

        Assert.True(report.Ok);
        Assert.Empty(report.Problems);
        Assert.Contains(report.Warnings, warning => warning.StartsWith("node is not installed", StringComparison.Ordinal));
    }

    [Fact]
    public void Classify_LibtorchNotLoadedOrPostgresMissing_IsAProblem()
    {
        LibtorchStatus unloaded = new(false, null, null, null, null, null, null, 2, null, "libtorchshim.so: cannot open");

        DoctorReport noTorch = Classify(unloaded, nvidiaGpus: [], node: Installed);
        DoctorReport noPostgres = DoctorReport.Classify(".NET 10", CpuLibtorch(), [], [], Missing, Installed);

        Assert.False(noTorch.Ok);
        Assert.Contains("libtorchshim.so: cannot open", Assert.Single(noTorch.Problems));
        Assert.False(noPostgres.Ok);
        Assert.Contains("PostgreSQL", Assert.Single(noPostgres.Problems));
    }

    [Fact]
    public void Classify_GpuWithCpuLibtorch_WarnsWhatToInstall()
    {
        DoctorReport report = Classify(CpuLibtorch(), nvidiaGpus: ["GPU 0: NVIDIA H200"], node: Installed);

        Assert.True(report.Ok);
        string warning = Assert.Single(report.Warnings);
        Assert.Contains("has no CUDA", warning);
        Assert.Contains(DoctorReport.CudaLibtorchHint, warning);
    }

    [Fact]
    public void Classify_CudaLibtorchWithMkl_HasNoWarnings()
    {
        LibtorchStatus cuda = CpuLibtorch() with { Cuda = true, Blas = "mkl", BlasLibrary = null };

        DoctorReport report = DoctorReport.Classify(".NET 10", cuda, [new CudaDeviceInfo(0, "NVIDIA H200", 150_000_000_000)], [], Installed, Installed);

        Assert.True(report.Ok);
        Assert.Empty(report.Warnings);
    }

    [Fact]
    public void Classify_ReferenceBlas_IsAWarning()
    {
        LibtorchStatus slow = CpuLibtorch() with { BlasLibrary = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0" };

        DoctorReport report = Classify(slow, nvidiaGpus: [], node: Installed);

        Assert.True(report.Ok);
        Assert.Contains("OpenBLAS", Assert.Single(report.Warnings));
    }

    [Fact]
    public void Classify_MallocWithoutHugePagesWhereTheKernelWouldGiveThem_IsAWarningNamingTheSetting()
    {
        LibtorchStatus smallPages = CpuLibtorch() with { HugePages = new HugePagesState(Requested: false, KernelMode: "madvise") };
        LibtorchStatus hugePages = CpuLibtorch() with { HugePages = new HugePagesState(Requested: true, KernelMode: "madvise") };
        LibtorchStatus thpOff = CpuLibtorch() with { HugePages = new HugePagesState(Requested: false, KernelMode: "never") };

        string warning = Assert.Single(Classify(smallPages, nvidiaGpus: [], node: Installed).Warnings);
        Assert.Contains("GLIBC_TUNABLES=glibc.malloc.hugetlb=1", warning);
        Assert.Contains("./finetune", warning);
        Assert.Empty(Classify(hugePages, nvidiaGpus: [], node: Installed).Warnings);
        // Nothing the user can set in the environment changes a kernel whose THP mode is never.
        Assert.Empty(Classify(thpOff, nvidiaGpus: [], node: Installed).Warnings);
    }

    [Fact]
    public void UnknownCommand_ExitsNonZeroWithOneReadableLine()
    {
        CliRun run = CliRun.Invoke("frobnicate");

        Assert.Equal(2, run.ExitCode);
        string line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("frobnicate", line);
    }

    private static LibtorchStatus CpuLibtorch() =>
        new(true, "1.13.1", false, "/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13.0", "open", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3", 2, 2, false, null);

    private static DoctorReport Classify(LibtorchStatus libtorch, IReadOnlyList<string> nvidiaGpus, ToolStatus node) =>
        DoctorReport.Classify(".NET 10", libtorch, [], nvidiaGpus, Installed, node);

    /// <summary>Runs the built CLI as its own process with PATH set to <paramref name="path"/> alone.</summary>
    private static (int ExitCode, string Output, string Error) RunCliProcess(string path, params string[] args)
    {
        // The child's PATH no longer finds dotnet, so start the host by its full path.
        string dotnet = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet"))
            .Select(dir => Path.Combine(dir, "dotnet"))
            .First(File.Exists);
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "finetune.dll"));
        foreach (string argument in args)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["PATH"] = path;
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "doctor did not finish");
        return (process.ExitCode, output, error.Result);
    }
}

public class MigrateCommandTests
{
    [Fact]
    public void Migrate_TestDatabase_IsUpToDateAndRepeatable()
    {
        string? connection = Environment.GetEnvironmentVariable("FINETUNE_TEST_PG");
        Assert.False(string.IsNullOrEmpty(connection), "FINETUNE_TEST_PG is not set: run the tests through ./test.sh, which starts Postgres");

        CliRun first = CliRun.Invoke("migrate", "--connection", connection!);
        CliRun second = CliRun.Invoke("migrate", "--connection", connection!);

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("0 migration(s) applied now", second.Output);
    }

    [Fact]
    public void Migrate_UnreachableDatabase_IsOneReadableError()
    {
        CliRun run = CliRun.Invoke("migrate", "--connection", "Host=127.0.0.1;Port=1;Username=x;Database=y;Timeout=3");

        Assert.Equal(1, run.ExitCode);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}

public class KeysCommandTests
{
    [Fact]
    public async Task KeysCreate_TwiceForOneTenant_GivesTwoWorkingKeysOfTheSameTenant()
    {
        string connection = Environment.GetEnvironmentVariable("FINETUNE_TEST_PG") ?? "";
        Assert.False(connection.Length == 0, "FINETUNE_TEST_PG is not set: run the tests through ./test.sh, which starts Postgres");
        string tenant = "cli-" + Guid.NewGuid().ToString("N");

        CliRun first = CliRun.Invoke("keys", "create", "--tenant", tenant, "--connection", connection);
        CliRun second = CliRun.Invoke("keys", "create", "--tenant", tenant, "--connection", connection);

        Assert.True(first.ExitCode == 0, first.Error);
        string key1 = first.Output.Trim(), key2 = second.Output.Trim();
        Assert.StartsWith("ft_", key1);
        Assert.NotEqual(key1, key2);
        await using var dataSource = FineTune.Persistence.FineTuneDataSource.Create(connection);
        await using var context = FineTune.Persistence.FineTuneDbContext.Create(dataSource);
        var store = new FineTune.Persistence.Tenancy.TenantStore(context);
        var a = await store.AuthenticateAsync(key1, CancellationToken.None);
        var b = await store.AuthenticateAsync(key2, CancellationToken.None);
        Assert.NotNull(a);
        Assert.Equal(a!.TenantId, b!.TenantId);
    }
}
