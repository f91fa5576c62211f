namespace FineTune.Training.Backends;

/// <summary>The library a backend trains with and its version, e.g. <c>libtorch</c> <c>2.5.1</c>.</summary>
/// <param name="Name">The library's name; a worker's registration details carry the version under it.</param>
/// <param name="Version">The library's version as it reports it.</param>
public sealed record BackendRuntime(string Name, string Version);
