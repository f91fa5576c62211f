using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FineTune.HuggingFace.Tests;

/// <summary>A request the server saw: enough to count requests and check Range and Authorization headers.</summary>
internal sealed record RecordedRequest(string Path, string? Range, string? Authorization, string Host);

/// <summary>
/// A local stand-in for the Hugging Face hub, on <c>http://127.0.0.1:{free port}/</c>. It serves folders laid out as
/// <c>{root}/{org}/{name}/...</c> through the hub's URLs: the revision and tree APIs, <c>resolve</c> with Range, the
/// X-Repo-Commit / X-Linked-* headers and a 302 to <c>/cdn/{sha256}</c> for LFS files, and X-Error-Code on errors.
/// Switches inject faults: dropped connections, corrupt bytes, 503s, no tree API, ignored ranges.
/// </summary>
internal sealed partial class HubTestServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly ConcurrentDictionary<string, ServedRepo> _repos = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _pendingDrops = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _pendingStalls = new(StringComparer.Ordinal);
    private readonly ManualResetEventSlim _stallRelease = new();
    private readonly ConcurrentDictionary<string, bool> _corrupted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ServedFile> _byHash = new(StringComparer.Ordinal);
    private int _pendingFailures;

    public HubTestServer(string root)
    {
        Root = root;
        Directory.CreateDirectory(root);
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            listener.Prefixes.Add($"http://localhost:{port}/");
            try
            {
                listener.Start();
                _listener = listener;
                Endpoint = new Uri($"http://127.0.0.1:{port}/");
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // Another process took the port between probing and binding; probe again.
                listener.Close();
            }
        }

        _ = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The served folder, one <c>{org}/{name}</c> folder per repository.</summary>
    public string Root { get; }

    public Uri Endpoint { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Entries per tree page; 0 serves the whole tree on one page.</summary>
    public int TreePageSize { get; set; }

    public bool TreeApiAvailable { get; set; } = true;

    /// <summary>Answers range requests with 200 and the whole file, as servers without range support do.</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>The host LFS files are redirected to; another spelling of loopback acts as a separate storage host.</summary>
    public string CdnHost { get; set; } = "127.0.0.1";

    /// <summary>Extra paths listed by the tree API that do not exist, to feed the client a hostile listing.</summary>
    public IReadOnlyList<string> ExtraTreePaths { get; set; } = [];

    /// <summary>Copies <paramref name="sourceDir"/> in as <paramref name="repoId"/> and returns its commit hash.</summary>
    public string AddRepo(string repoId, string sourceDir, string? requiredToken = null)
    {
        string dir = Path.Combine(Root, repoId.Replace('/', Path.DirectorySeparatorChar));
        CopyDirectory(sourceDir, dir);
        string commit = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("commit of " + repoId)))[..40];
        var repo = new ServedRepo(repoId, dir, commit, requiredToken);
        _repos[repoId] = repo;
        foreach (ServedFile file in repo.Files)
        {
            _byHash[file.Sha256] = file;
        }

        return commit;
    }

    /// <summary>The next download of this file sends half its bytes and then drops the connection.</summary>
    public void DropConnectionOnce(string repoPath) => _pendingDrops.AddOrUpdate(repoPath, 1, (_, n) => n + 1);

    /// <summary>
    /// The next download of this file sends half its bytes and then goes silent, until the client gives up and asks
    /// for the rest with a Range request (or the server is disposed).
    /// </summary>
    public void StallOnce(string repoPath) => _pendingStalls.AddOrUpdate(repoPath, 1, (_, n) => n + 1);

    /// <summary>Downloads of this file send bytes that differ from what the listing's hashes describe.</summary>
    public void ServeCorrupted(string repoPath) => _corrupted[repoPath] = true;

    /// <summary>The next <paramref name="count"/> requests get 503.</summary>
    public void FailNextRequests(int count) => Interlocked.Exchange(ref _pendingFailures, count);

    public int CountRequests(Func<RecordedRequest, bool> predicate) => Requests.Count(predicate);

    public void Dispose()
    {
        _stallRelease.Set();
        _listener.Close();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort; the folder lives under the temp directory.
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception)
                when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => Handle(context));
        }
    }

    private void Handle(HttpListenerContext context)
    {
        HttpListenerRequest request = context.Request;
        string rawUrl = request.RawUrl ?? "/";
        string host = request.Url?.Host ?? string.Empty;
        Requests.Enqueue(new RecordedRequest(rawUrl, request.Headers["Range"], request.Headers["Authorization"], host));
        if (request.Headers["Range"] is not null)
        {
            _stallRelease.Set();
        }

        try
        {
            if (Interlocked.Decrement(ref _pendingFailures) >= 0)
            {
                Reply(context, 503, null);
                return;
            }

            Route(context, rawUrl);
        }
        catch (Exception exception) when (exception is IOException or HttpListenerException or ObjectDisposedException)
        {
            // The client went away (or a fault was injected); nothing left to answer.
        }
    }

    private static void Reply(HttpListenerContext context, int status, string? errorCode, object? json = null)
    {
        HttpListenerResponse response = context.Response;
        response.StatusCode = status;
        if (errorCode is not null)
        {
            response.AddHeader("X-Error-Code", errorCode);
        }

        byte[] body = json is null ? [] : JsonSerializer.SerializeToUtf8Bytes(json);
        response.ContentType = "application/json";
        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body);
        response.Close();
    }

    private void ServeBytes(HttpListenerContext context, ServedFile file)
    {
        byte[] content = File.ReadAllBytes(file.FullPath);
        if (_corrupted.ContainsKey(file.RepoPath))
        {
            content[content.Length / 2] ^= 0xFF;
        }

        HttpListenerResponse response = context.Response;
        int start = 0;
        string? range = context.Request.Headers["Range"];
        if (!IgnoreRange && range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = int.Parse(range["bytes=".Length..^1], CultureInfo.InvariantCulture);
            if (start >= content.Length)
            {
                response.AddHeader("Content-Range", $"bytes */{content.Length}");
                Reply(context, 416, null);
                return;
            }

            response.StatusCode = 206;
            response.AddHeader("Content-Range", $"bytes {start}-{content.Length - 1}/{content.Length}");
        }

        response.ContentType = "application/octet-stream";
        response.ContentLength64 = content.Length - start;
        bool drop = TakePending(_pendingDrops, file.RepoPath);
        bool stall = !drop && TakePending(_pendingStalls, file.RepoPath);
        if (drop || stall)
        {
            // Half the promised bytes, then silence or a dropped connection: either way the body ends early.
            response.OutputStream.Write(content, start, (content.Length - start) / 2);
            response.OutputStream.Flush();
            if (stall)
            {
                _stallRelease.Wait(TimeSpan.FromMinutes(1));
            }

            response.Abort();
            return;
        }

        response.OutputStream.Write(content, start, content.Length - start);
        response.Close();
    }

    private static bool TakePending(ConcurrentDictionary<string, int> counts, string repoPath)
    {
        while (counts.TryGetValue(repoPath, out int pending) && pending > 0)
        {
            if (counts.TryUpdate(repoPath, pending - 1, pending))
            {
                return true;
            }
        }

        return false;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}
