using System.Collections.Concurrent;
using FineTune.Training.Tokenization;

namespace FineTune.Training.Tests.Chat;

/// <summary>Locates the repository and the shared tokenizer assets; loads each tokenizer once per test run.</summary>
internal static class ChatTestAssets
{
    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> s_loaded = new();

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string AssetsDirectory => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "assets"));

    public static string AssetPath(string relative) => Path.Combine(AssetsDirectory, relative);

    /// <summary>Loads the tokenizer folder at <paramref name="relative"/> under the assets (once per run).</summary>
    public static Tokenizer Load(string relative) =>
        s_loaded.GetOrAdd(relative, r => new Lazy<Tokenizer>(() => Tokenizer.FromFolder(AssetPath(r)))).Value;

    private static string FindRepoRoot()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("FINETUNE_REPO_ROOT");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FineTune.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No FineTune.sln above {AppContext.BaseDirectory}; set FINETUNE_REPO_ROOT to the repository root.");
    }
}
