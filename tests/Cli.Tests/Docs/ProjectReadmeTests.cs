using FineTune.Testing;

namespace FineTune.Cli.Tests.Docs;

/// <summary>STYLE.md: each project has a README.md of at most 40 lines (purpose, entry file, how to test, allowed deps).</summary>
public sealed class ProjectReadmeTests
{
    [Fact]
    public void EverySourceProject_HasAReadmeOfAtMost40Lines()
    {
        string[] projects = Directory.GetFiles(Path.Combine(RepoPaths.RepoRoot, "src"), "*.csproj", SearchOption.AllDirectories);

        string[] problems = projects
            .Select(project => Path.Combine(Path.GetDirectoryName(project)!, "README.md"))
            .Select(readme => (Readme: Path.GetRelativePath(RepoPaths.RepoRoot, readme), Lines: File.Exists(readme) ? File.ReadAllLines(readme).Length : -1))
            .Where(entry => entry.Lines is < 0 or > 40)
            .Select(entry => entry.Lines < 0 ? $"{entry.Readme} is missing" : $"{entry.Readme} has {entry.Lines} lines")
            .ToArray();

        Assert.True(projects.Length >= 10, $"only {projects.Length} projects found");
        Assert.True(problems.Length == 0, string.Join('\n', problems));
    }
}
