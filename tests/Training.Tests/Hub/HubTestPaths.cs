namespace FineTune.Training.Tests.Hub;

/// <summary>
/// Locates the shared test assets: <c>&lt;repo&gt;/../shared/assets</c>, where the repository root is
/// <c>FINETUNE_REPO_ROOT</c> when set, otherwise the first ancestor of the test binaries holding <c>FineTune.sln</c>.
/// </summary>
internal static class HubTestPaths
{
    public static string TinyModelDir => Path.Combine(RepoRoot(), "..", "shared", "assets", "models", "tinystories-656k");

    private static string RepoRoot()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("FINETUNE_REPO_ROOT");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FineTune.sln"))
                || File.Exists(Path.Combine(dir.FullName, "FineTune.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No FineTune.sln above {AppContext.BaseDirectory}; set FINETUNE_REPO_ROOT to the repository root.");
    }
}
