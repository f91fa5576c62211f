using System.Diagnostics;
using System.Runtime.Versioning;
using FineTune.Testing;

namespace FineTune.Cli.Tests;

/// <summary>
/// scripts/torch-dir.sh on simulated machines: a copy of the script in a temporary root, a fake nvidia-smi (the GPU)
/// and a fake python3 (which names a fake torch package) on PATH, so no GPU is needed.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class TorchDirScriptTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "finetune-torch-dir-" + Guid.NewGuid().ToString("N"));

    public TorchDirScriptTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "scripts"));
        Directory.CreateDirectory(Path.Combine(_root, "bin"));
        File.Copy(Path.Combine(RepoPaths.RepoRoot, "scripts", "torch-dir.sh"), Script);
    }

    private string Script => Path.Combine(_root, "scripts", "torch-dir.sh");

    private string NativeBuild => Path.Combine(_root, "artifacts", "native", "build-Release");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void GpuAndCudaTorchInPython_PrintsItsCmakeFolderQuietly()
    {
        AddGpu();
        string package = AddPythonTorch(cuda: true);

        (int exitCode, string output, string error) = Run();

        Assert.Equal(0, exitCode);
        Assert.Equal(Path.Combine(package, "share", "cmake", "Torch"), output);
        Assert.Equal("", error);
    }

    [Fact]
    public void GpuAndCpuTorchInPython_PrintsNothingAndOneLineSayingWhatToInstall()
    {
        AddGpu();
        AddPythonTorch(cuda: false);

        (int exitCode, string output, string error) = Run();

        Assert.Equal(0, exitCode);
        Assert.Equal("", output);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("pip install torch --index-url https://download.pytorch.org/whl/cu130", line);
        Assert.Contains("LIBTORCH", line);
    }

    [Fact]
    public void NoGpu_IgnoresPythonTorchAndStaysQuiet()
    {
        AddPythonTorch(cuda: true);
        // A real GPU machine has /dev/nvidia0, which the script also counts; there the override stands in for "none".
        var environment = new Dictionary<string, string>();
        if (File.Exists("/dev/nvidia0"))
        {
            environment["FINETUNE_GPU"] = "0";
        }

        (int exitCode, string output, string error) = Run(environment);

        Assert.Equal(0, exitCode);
        Assert.Equal("", output);
        Assert.Equal("", error);
    }

    [Fact]
    public void Libtorch_WinsOverPythonTorch()
    {
        AddGpu();
        AddPythonTorch(cuda: true);
        string libtorch = AddLibtorch("libtorch", cuda: true);

        (int exitCode, string output, string error) = Run(new() { ["LIBTORCH"] = libtorch });

        Assert.Equal(0, exitCode);
        Assert.Equal(Path.Combine(libtorch, "share", "cmake", "Torch"), output);
        Assert.Equal("", error);
    }

    [Fact]
    public void LibtorchWithoutCmakeConfig_FailsWithOneLine()
    {
        string empty = Path.Combine(_root, "empty");
        Directory.CreateDirectory(empty);

        (int exitCode, string output, string error) = Run(new() { ["LIBTORCH"] = empty });

        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.Contains("LIBTORCH", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void ChangedLibtorch_RemovesTheNativeBuildSoCMakeConfiguresAgain()
    {
        AddGpu();
        AddPythonTorch(cuda: true);
        string cache = Path.Combine(NativeBuild, "CMakeCache.txt");
        Directory.CreateDirectory(NativeBuild);
        File.WriteAllText(cache, "built against the system libtorch");

        Run();
        bool removedOnChange = !File.Exists(cache);
        File.WriteAllText(cache, "built against the python libtorch");
        Run();
        bool keptWhenSame = File.Exists(cache);
        Run(new() { ["FINETUNE_GPU"] = "0" });
        bool removedOnChangeBack = !File.Exists(cache);

        Assert.True(removedOnChange);
        Assert.True(keptWhenSame);
        Assert.True(removedOnChangeBack);
        Assert.Equal("", File.ReadAllText(Path.Combine(NativeBuild, "torch-dir")).Trim());
    }

    [Fact]
    public void NoRecordAndSystemLibtorch_KeepsAnExistingBuild()
    {
        string cache = Path.Combine(NativeBuild, "CMakeCache.txt");
        Directory.CreateDirectory(NativeBuild);
        File.WriteAllText(cache, "built before torch-dir.sh existed");

        (int exitCode, _, _) = Run(new() { ["FINETUNE_GPU"] = "0" });

        Assert.Equal(0, exitCode);
        Assert.True(File.Exists(cache));
    }

    private void AddGpu() =>
        AddTool("nvidia-smi", "echo 'GPU 0: NVIDIA H200 (UUID: GPU-00000000-0000-0000-0000-000000000000)'");

    /// <summary>A fake torch package (the layout of pip's wheel) that a fake python3 names; returns its folder.</summary>
    private string AddPythonTorch(bool cuda)
    {
        string package = AddLibtorch(Path.Combine("site-packages", "torch"), cuda);
        AddTool("python3", $"echo '{package}'");
        return package;
    }

    private string AddLibtorch(string relative, bool cuda)
    {
        string folder = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.Combine(folder, "share", "cmake", "Torch"));
        Directory.CreateDirectory(Path.Combine(folder, "lib"));
        File.WriteAllText(Path.Combine(folder, "share", "cmake", "Torch", "TorchConfig.cmake"), "");
        File.WriteAllText(Path.Combine(folder, "lib", "libtorch_cpu.so"), "");
        if (cuda)
        {
            File.WriteAllText(Path.Combine(folder, "lib", "libtorch_cuda.so"), "");
        }
        return folder;
    }

    private void AddTool(string name, string body)
    {
        string path = Path.Combine(_root, "bin", name);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Runs the script with only the fake tools and the system's basic ones on PATH.</summary>
    private (int ExitCode, string Output, string Error) Run(Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Script);
        foreach (string name in new[] { "LIBTORCH", "Torch_DIR", "FINETUNE_GPU" })
        {
            start.Environment.Remove(name);
        }
        start.Environment["PATH"] = Path.Combine(_root, "bin") + ":/usr/bin:/bin";
        foreach ((string name, string value) in environment ?? [])
        {
            start.Environment[name] = value;
        }
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "torch-dir.sh did not finish");
        return (process.ExitCode, output.Trim(), error.Result.Trim());
    }
}
