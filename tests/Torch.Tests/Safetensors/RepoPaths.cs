namespace FineTune.Torch.Tests.Safetensors;

/// <summary>Locates the repository and the shared assets beside it from the test binary's folder.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_repoRoot = new(FindRepoRoot);

    /// <summary>Gets the repository root: the nearest ancestor of the test binary holding FineTune.sln (or .slnx).</summary>
    public static string RepoRoot => s_repoRoot.Value;

    /// <summary>Gets the real TinyStories-656K Hugging Face folder in shared/ beside the repository.</summary>
    public static string TinyStoriesFolder => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "assets", "models", "tinystories-656k"));

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FineTune.sln"))
                || File.Exists(Path.Combine(directory.FullName, "FineTune.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No ancestor of '{AppContext.BaseDirectory}' contains FineTune.sln.");
    }
}
