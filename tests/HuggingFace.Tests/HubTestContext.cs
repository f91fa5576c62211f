using System.Security.Cryptography;
using FineTune.Testing;

namespace FineTune.HuggingFace.Tests;

/// <summary>
/// One test's world: a temp folder, a source repository built from the tinystories-656k assets plus files the
/// default selection must skip, a <see cref="HubTestServer"/> serving it, and options pointing a client at both.
/// </summary>
internal sealed class HubTestContext : IDisposable
{
    public const string RepoId = "tiny-org/tinystories-656k";

    /// <summary>What the default include patterns select from the source repository.</summary>
    public static readonly string[] DefaultFiles =
    [
        "config.json",
        "generation_config.json",
        "model.safetensors",
        "special_tokens_map.json",
        "tokenizer.json",
        "tokenizer_config.json",
    ];

    public HubTestContext(string? requiredToken = null, Action<string>? editSource = null)
    {
        TempDir = Path.Combine(Path.GetTempPath(), "finetune-hub-tests", Guid.NewGuid().ToString("N"));
        SourceDir = Path.Combine(TempDir, "source");
        CreateSource(SourceDir);
        editSource?.Invoke(SourceDir);
        Server = new HubTestServer(Path.Combine(TempDir, "served"));
        Commit = Server.AddRepo(RepoId, SourceDir, requiredToken);
        CacheDir = Path.Combine(TempDir, "cache");
        Http = HubClient.CreateHttpClient();
        Options = new HubOptions
        {
            Endpoint = Server.Endpoint.ToString(),
            CacheDir = CacheDir,
            RetryDelay = TimeSpan.Zero,
        };
    }

    public string TempDir { get; }

    public string SourceDir { get; }

    public string CacheDir { get; }

    public string Commit { get; }

    public HubTestServer Server { get; }

    public HttpClient Http { get; }

    public HubOptions Options { get; }

    public string RepoDir => Path.Combine(CacheDir, "models--tiny-org--tinystories-656k");

    public string SnapshotDir => Path.Combine(RepoDir, "snapshots", Commit);

    public HubClient CreateClient(HubOptions? options = null) => new(Http, options ?? Options);

    /// <summary>Downloads the served repository with <see cref="Options"/>, or the given options.</summary>
    public Task<string> DownloadAsync(HubOptions? options = null) =>
        CreateClient(options).DownloadSnapshotAsync(RepoId, null, CancellationToken.None);

    /// <summary>Asserts that <paramref name="repoPath"/> in <paramref name="snapshot"/> equals the source byte for byte.</summary>
    public void AssertSameBytes(string snapshot, string repoPath) =>
        Assert.Equal(File.ReadAllBytes(Path.Combine(SourceDir, repoPath)), File.ReadAllBytes(Path.Combine(snapshot, repoPath)));

    public static string Sha256Of(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Every file under <paramref name="dir"/>, as sorted '/'-separated relative paths.</summary>
    public static string[] ListFiles(string dir) =>
        Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                .Select(path => Path.GetRelativePath(dir, path).Replace('\\', '/'))
                .Order(StringComparer.Ordinal)
                .ToArray()
            : [];

    public void Dispose()
    {
        Http.Dispose();
        Server.Dispose();
        try
        {
            Directory.Delete(TempDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort; the folder lives under the temp directory.
        }
    }

    private static void CreateSource(string dir)
    {
        Directory.CreateDirectory(dir);
        foreach (string file in Directory.EnumerateFiles(RepoPaths.Model("tinystories-656k")))
        {
            string target = Path.Combine(dir, Path.GetFileName(file));
            File.Copy(file, target);

            // The assets are read-only, and tests that edit the source rewrite some of these copies.
            File.SetAttributes(target, FileAttributes.Normal);
        }

        // Files a model folder does not need; the default selection must leave every one of them on the server.
        var random = new Random(1234);
        File.WriteAllBytes(Path.Combine(dir, "pytorch_model.bin"), RandomBytes(random, 5000));
        Directory.CreateDirectory(Path.Combine(dir, "onnx"));
        File.WriteAllBytes(Path.Combine(dir, "onnx", "model.onnx"), RandomBytes(random, 3000));
        Directory.CreateDirectory(Path.Combine(dir, "images"));
        File.WriteAllBytes(Path.Combine(dir, "images", "loss.png"), RandomBytes(random, 700));
        File.WriteAllText(Path.Combine(dir, "README.md"), "# tinystories-656k\n");
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        byte[] bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
