namespace FineTune.Contracts.Backends;

/// <summary>The registry of backends as the service knows them (the worker's runnable ones mirror it).</summary>
public static class BackendDescriptors
{
    /// <summary>Every backend, available on some worker or not.</summary>
    public static IReadOnlyList<IBackendDescriptor> All { get; } = [LibtorchDescriptor.Cpu, LibtorchDescriptor.Cuda];

    /// <summary>The backend with this name; an unknown name is an error listing the known ones.</summary>
    public static IBackendDescriptor Get(string name)
    {
        return All.FirstOrDefault(b => b.Name == name)
            ?? throw new BackendOptionsException($"unknown backend '{name}'; backends: {string.Join(", ", All.Select(b => b.Name))}", "backend");
    }
}
