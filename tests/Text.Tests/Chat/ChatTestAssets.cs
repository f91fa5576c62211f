using System.Collections.Concurrent;
using FineTune.Testing;
using FineTune.Text.Tokenization;

namespace FineTune.Text.Tests.Chat;

/// <summary>Locates the shared tokenizer assets (<see cref="RepoPaths"/>); loads each tokenizer once per test run.</summary>
internal static class ChatTestAssets
{
    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> s_loaded = new();

    /// <summary>The path of <paramref name="relative"/> under the shared assets (<see cref="RepoPaths.Asset"/>).</summary>
    public static string AssetPath(string relative) => RepoPaths.Asset(relative);

    /// <summary>Loads the tokenizer folder at <paramref name="relative"/> under the assets (once per run).</summary>
    public static Tokenizer Load(string relative) =>
        s_loaded.GetOrAdd(relative, r => new Lazy<Tokenizer>(() => Tokenizer.FromFolder(AssetPath(r)))).Value;
}
