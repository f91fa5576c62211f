using System.Reflection;
using FineTune.Testing;

namespace FineTune.Worker.Tests;

/// <summary>
/// The worker holds no libtorch call (issue 16 item 4): the runtime's version, device memory, live objects and
/// out-of-memory error all reach it through <see cref="Training.Backends.ITrainingBackend"/>, so neither its assembly
/// nor any of its sources reference FineTune.Torch.
/// </summary>
public sealed class WorkerTorchFreeTests
{
    private const string TorchNamespace = "FineTune.Torch";

    [Fact]
    public void WorkerAssembly_ReferencesNoTorchAssembly()
    {
        AssemblyName[] references = typeof(JobRunner).Assembly.GetReferencedAssemblies();

        Assert.Contains(references, reference => reference.Name == "FineTune.Training");
        Assert.DoesNotContain(references, reference => reference.Name == TorchNamespace);
    }

    [Fact]
    public void WorkerSources_NameNoTorchNamespace()
    {
        string[] sources = Directory.GetFiles(Path.Combine(RepoPaths.RepoRoot, "src", "Worker"), "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToArray();

        Assert.NotEmpty(sources);
        Assert.DoesNotContain(sources, file => File.ReadAllText(file).Contains(TorchNamespace, StringComparison.Ordinal));
    }
}
