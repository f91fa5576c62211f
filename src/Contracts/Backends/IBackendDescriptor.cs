using System.Text.Json.Nodes;

namespace FineTune.Contracts.Backends;

/// <summary>
/// What the service knows of a backend without running it: its name, description and options schema (for
/// <c>GET /v1/backends</c>), and the check of a job's options at submit. The backend that trains implements this too.
/// </summary>
public interface IBackendDescriptor
{
    /// <summary>Stable name, e.g. <c>libtorch-cpu</c>.</summary>
    public string Name { get; }

    /// <summary>One line for humans.</summary>
    public string Description { get; }

    /// <summary>JSON Schema (draft 2020-12) of the backend's options object.</summary>
    public JsonObject OptionsSchema { get; }

    /// <summary>Checks backend options alone (unknown keys, types, values); throws <see cref="BackendOptionsException"/> naming the option.</summary>
    public void ValidateOptions(JsonObject? options);
}
