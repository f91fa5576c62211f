using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FineTune.Training.Tokenization;

namespace FineTune.Training.Tests.Tokenization;

/// <summary>
/// Locates the shared tokenizer assets and runs the node reference (<c>tools/reference/tokenizer/encode.mjs</c>,
/// i.e. <c>@huggingface/tokenizers@0.2.0</c>). A missing node or node_modules fails the test with the fix, never skips.
/// </summary>
internal static class TokenizerReference
{
    public const string InstallHint = "run `npm ci --prefix tools/reference/tokenizer` (node 20+ must be on PATH)";

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

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string AssetsDirectory => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "assets"));

    public static string AssetPath(string relative) => Path.Combine(AssetsDirectory, relative);

    /// <summary>Loads (once per test run) the tokenizer folder at <paramref name="relative"/> under the assets.</summary>
    public static Tokenizer Load(string relative) =>
        s_loaded.GetOrAdd(relative, r => new Lazy<Tokenizer>(() => Tokenizer.FromFolder(AssetPath(r)))).Value;

    /// <summary>Encodes <paramref name="texts"/> with the reference.</summary>
    public static int[][] Encode(string directory, IReadOnlyList<string> texts, bool addSpecialTokens = true)
    {
        string output = Run(directory, JsonSerializer.Serialize(texts), addSpecialTokens ? [] : ["--no-special-tokens"]);
        return JsonSerializer.Deserialize<int[][]>(output) ?? throw new InvalidDataException("Reference printed null.");
    }

    /// <summary>Decodes <paramref name="ids"/> with the reference.</summary>
    public static string[] Decode(string directory, IReadOnlyList<int[]> ids, bool skipSpecialTokens = false)
    {
        string[] args = skipSpecialTokens ? ["--decode", "--skip-special-tokens"] : ["--decode"];
        string output = Run(directory, JsonSerializer.Serialize(ids), args);
        return JsonSerializer.Deserialize<string[]>(output) ?? throw new InvalidDataException("Reference printed null.");
    }

    private static string Run(string directory, string stdinJson, string[] args)
    {
        string toolDirectory = Path.Combine(RepoRoot, "tools", "reference", "tokenizer");
        string package = Path.Combine(toolDirectory, "node_modules", "@huggingface", "tokenizers", "package.json");
        Assert.True(File.Exists(package), $"The tokenizer reference is not installed: {InstallHint}.");

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(toolDirectory, "encode.mjs"));
        start.ArgumentList.Add(directory);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (Win32Exception ex)
        {
            Assert.Fail($"node could not be started ({ex.Message}): {InstallHint}.");
            throw;
        }

        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(stdinJson);
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("The node tokenizer reference timed out.");
            }

            Assert.True(process.ExitCode == 0, $"The node reference failed ({InstallHint}?): {stderr.Result}");
            return stdout.Result;
        }
    }

    private static string FindRepoRoot()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("FINETUNE_REPO_ROOT");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
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
