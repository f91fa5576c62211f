using FineTune.Contracts.Backends;

namespace FineTune.Training.Backends;

/// <summary>The registry of backends that train (one per <see cref="BackendDescriptors"/> entry).</summary>
public static class TrainingBackends
{
    /// <summary>Every backend, available on this machine or not.</summary>
    public static IReadOnlyList<ITrainingBackend> All { get; } = [LibtorchBackend.Cpu, LibtorchBackend.Cuda];

    /// <summary>The backend with this name; an unknown name is an error listing the known ones.</summary>
    public static ITrainingBackend Get(string name)
    {
        return All.FirstOrDefault(b => b.Name == name)
            ?? throw new BackendOptionsException($"unknown backend '{name}'; backends: {string.Join(", ", All.Select(b => b.Name))}", "backend");
    }
}
