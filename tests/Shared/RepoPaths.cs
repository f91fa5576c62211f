namespace FineTune.Testing;

/// <summary>
/// Locates the repository (the nearest ancestor of the test binary holding FineTune.sln or FineTune.slnx, or
/// FINETUNE_REPO_ROOT) and the shared assets and references beside it. Compiled into every test project
/// (Directory.Build.props).
/// </summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_repoRoot = new(FindRepoRoot);

    /// <summary>The repository root.</summary>
    public static string RepoRoot => s_repoRoot.Value;

    /// <summary><c>../shared/assets</c> beside the repository.</summary>
    public static string SharedAssets => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "assets"));

    /// <summary>A path under the shared assets, e.g. <c>tokenizers/gpt2</c> or <c>datasets/alpaca-en-demo</c>.</summary>
    public static string Asset(string relative) => Path.Combine(SharedAssets, relative);

    /// <summary>A model folder under the shared assets, e.g. <c>tinystories-656k</c>.</summary>
    public static string Model(string name) => Path.Combine(SharedAssets, "models", name);

    /// <summary>A file under <c>../shared/reference</c> beside the repository, e.g. <c>dp_published.json</c>.</summary>
    public static string Reference(string name) => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "reference", name));

    /// <summary>A file under <c>tests/fixtures</c>.</summary>
    public static string Fixture(string name) => Path.Combine(RepoRoot, "tests", "fixtures", name);

    private static string FindRepoRoot()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("FINETUNE_REPO_ROOT");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FineTune.sln"))
                || File.Exists(Path.Combine(directory.FullName, "FineTune.slnx")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"no FineTune.sln above {AppContext.BaseDirectory}; set FINETUNE_REPO_ROOT to the repository root");
    }
}
