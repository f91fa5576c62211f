namespace FineTune.Training.Backends;

/// <summary>An accelerator a backend trains on, one job at a time: a worker runs one slot per device.</summary>
/// <param name="Id">How the worker names the device in its slots' server names, e.g. <c>cuda:0</c>.</param>
/// <param name="Model">The product name the driver reports, e.g. <c>NVIDIA H100 80GB HBM3</c>.</param>
/// <param name="MemoryBytes">The device's total memory, in bytes.</param>
public sealed record TrainingDevice(string Id, string Model, long MemoryBytes);
