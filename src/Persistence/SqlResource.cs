using System.Collections.Frozen;
using System.Reflection;

namespace FineTune.Persistence;

/// <summary>
/// Loads the SQL files embedded in this assembly (migrations and queue statements) by their repository-relative path,
/// e.g. <c>Queue/Sql/claim_job.sql</c>. Statements live in .sql files so they are reviewed as SQL, never as strings
/// scattered through C# (river's rule).
/// </summary>
internal static class SqlResource
{
    private static readonly Assembly s_assembly = typeof(SqlResource).Assembly;

    // Keyed by '/'-separated path: MSBuild writes the platform's separator into the logical name.
    private static readonly FrozenDictionary<string, string> s_names = s_assembly.GetManifestResourceNames()
        .ToFrozenDictionary(name => name.Replace('\\', '/'), StringComparer.Ordinal);

    /// <summary>All embedded SQL paths under a folder, e.g. <c>Migrations/</c>, in ordinal order.</summary>
    public static IReadOnlyList<string> List(string folder)
    {
        return s_names.Keys
            .Where(path => path.StartsWith(folder, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>The text of one embedded SQL file.</summary>
    public static string Load(string path)
    {
        if (!s_names.TryGetValue(path, out string? resourceName))
        {
            throw new InvalidOperationException($"no embedded SQL resource '{path}'");
        }
        using Stream stream = s_assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"embedded SQL resource '{path}' could not be opened");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
