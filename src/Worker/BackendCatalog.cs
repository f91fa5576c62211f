using FineTune.Contracts.Backends;
using FineTune.Training.Backends;

namespace FineTune.Worker;

/// <summary>
/// The training backends a worker can run, by name. The default is <see cref="TrainingBackends.All"/>; a host may
/// register its own catalog before <c>AddWorker</c> (tests wrap a backend to pause it at a chosen step).
/// </summary>
public sealed class BackendCatalog
{
    private readonly Dictionary<string, ITrainingBackend> _backends;

    /// <summary>Creates a catalog of <paramref name="backends"/>; names must be unique.</summary>
    public BackendCatalog(IEnumerable<ITrainingBackend> backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        _backends = backends.ToDictionary(backend => backend.Name, StringComparer.Ordinal);
    }

    /// <summary>The catalog of every built-in backend.</summary>
    public static BackendCatalog Default { get; } = new(TrainingBackends.All);

    /// <summary>Every backend, available on this machine or not.</summary>
    public IEnumerable<ITrainingBackend> All => _backends.Values;

    /// <summary>The backend called <paramref name="name"/>; an unknown name is a <see cref="BackendOptionsException"/>.</summary>
    public ITrainingBackend Get(string name)
    {
        return _backends.TryGetValue(name, out ITrainingBackend? backend)
            ? backend
            : throw new BackendOptionsException($"unknown backend '{name}'; this worker has: {string.Join(", ", _backends.Keys)}", "backend");
    }
}
