using System.Collections.Concurrent;
using System.Text.Json;
using FineTune.Testing;
using FineTune.Text.Tokenization;

namespace FineTune.Text.Tests.Tokenization;

/// <summary>
/// Locates the shared tokenizer assets and runs the node reference (<c>tools/reference/tokenizer/encode.mjs</c>,
/// i.e. <c>@huggingface/tokenizers@0.2.0</c>, through <see cref="NodeReference"/>). A missing node or node_modules
/// fails the test with the fix, never skips.
/// </summary>
internal static class TokenizerReference
{
    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> s_loaded = new();

    /// <summary>The six tokenizers the parity tests cover, as paths relative to the shared assets folder.</summary>
    public static TheoryData<string> All =>
    [
        "tokenizers/gpt2",
        "tokenizers/llama3",
        "tokenizers/qwen3",
        "tokenizers/mistral",
        "models/tinystories-656k",
        "models/stories260k",
    ];

    /// <summary>The path of <paramref name="relative"/> under the shared assets (<see cref="RepoPaths.Asset"/>).</summary>
    public static string AssetPath(string relative) => RepoPaths.Asset(relative);

    /// <summary>Loads (once per test run) the tokenizer folder at <paramref name="relative"/> under the assets.</summary>
    public static Tokenizer Load(string relative) =>
        s_loaded.GetOrAdd(relative, r => new Lazy<Tokenizer>(() => Tokenizer.FromFolder(AssetPath(r)))).Value;

    /// <summary>Encodes <paramref name="texts"/> with the reference.</summary>
    public static int[][] Encode(string directory, IReadOnlyList<string> texts, bool addSpecialTokens = true)
    {
        string output = Run(directory, addSpecialTokens ? [] : ["--no-special-tokens"], JsonSerializer.Serialize(texts));
        return JsonSerializer.Deserialize<int[][]>(output) ?? throw new InvalidDataException("Reference printed null.");
    }

    /// <summary>Decodes <paramref name="ids"/> with the reference.</summary>
    public static string[] Decode(string directory, IReadOnlyList<int[]> ids, bool skipSpecialTokens = false)
    {
        string[] args = skipSpecialTokens ? ["--decode", "--skip-special-tokens"] : ["--decode"];
        string output = Run(directory, args, JsonSerializer.Serialize(ids));
        return JsonSerializer.Deserialize<string[]>(output) ?? throw new InvalidDataException("Reference printed null.");
    }

    private static string Run(string directory, string[] args, string stdinJson) =>
        NodeReference.Run("tokenizer", "@huggingface/tokenizers", "encode.mjs", [directory, .. args], stdinJson);
}
