using System.Globalization;

namespace FineTune.Persistence.Migrations;

/// <summary>One numbered migration file, <c>Migrations/NNNN_name.sql</c>.</summary>
/// <param name="Version">The number in the file name; applied in ascending order, each exactly once.</param>
/// <param name="Name">The rest of the file name, e.g. <c>initial</c>.</param>
/// <param name="Sql">The statements, run inside the migrator's transaction.</param>
public sealed record MigrationScript(int Version, string Name, string Sql)
{
    private const string Folder = "Migrations/";

    /// <summary>Every migration embedded in this assembly, in version order.</summary>
    public static IReadOnlyList<MigrationScript> All { get; } = LoadAll();

    private static MigrationScript[] LoadAll()
    {
        var scripts = new List<MigrationScript>();
        foreach (string path in SqlResource.List(Folder))
        {
            string fileName = Path.GetFileNameWithoutExtension(path);
            int separator = fileName.IndexOf('_', StringComparison.Ordinal);
            if (separator <= 0 || !int.TryParse(fileName.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out int version))
            {
                throw new InvalidOperationException($"migration '{path}' is not named NNNN_name.sql");
            }
            scripts.Add(new MigrationScript(version, fileName[(separator + 1)..], SqlResource.Load(path)));
        }
        scripts.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (int i = 1; i < scripts.Count; i++)
        {
            if (scripts[i].Version == scripts[i - 1].Version)
            {
                throw new InvalidOperationException($"two migrations share version {scripts[i].Version}");
            }
        }
        return scripts.ToArray();
    }
}
