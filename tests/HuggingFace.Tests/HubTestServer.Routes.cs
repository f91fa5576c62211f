using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace FineTune.HuggingFace.Tests;

/// <summary>The hub's routes: revision API, paged tree API, resolve (with the LFS redirect) and the storage host.</summary>
internal sealed partial class HubTestServer
{
    private void Route(HttpListenerContext context, string rawUrl)
    {
        int queryStart = rawUrl.IndexOf('?', StringComparison.Ordinal);
        string query = queryStart < 0 ? string.Empty : rawUrl[(queryStart + 1)..];
        string[] segments = (queryStart < 0 ? rawUrl : rawUrl[..queryStart])
            .Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();

        if (segments is ["cdn", string sha256] && _byHash.TryGetValue(sha256, out ServedFile? blob))
        {
            ServeBytes(context, blob);
            return;
        }

        bool api = segments.Length == 6 && segments[0] == "api" && segments[1] == "models";
        bool resolve = segments.Length >= 5 && segments[2] == "resolve";
        string repoId = api ? $"{segments[2]}/{segments[3]}" : resolve ? $"{segments[0]}/{segments[1]}" : string.Empty;
        if (!_repos.TryGetValue(repoId, out ServedRepo? repo))
        {
            Reply(context, 404, "RepoNotFound");
            return;
        }

        if (!Authorize(context, repo))
        {
            return;
        }

        string revision = api ? segments[5] : segments[3];
        if (revision != "main" && revision != repo.Commit)
        {
            Reply(context, 404, "RevisionNotFound");
            return;
        }

        if (resolve)
        {
            Resolve(context, repo, string.Join('/', segments[4..]));
        }
        else if (segments[4] == "revision")
        {
            var siblings = repo.Files.Select(file => new { rfilename = file.RepoPath }).ToList();
            Reply(context, 200, null, new { id = repo.RepoId, sha = repo.Commit, siblings });
        }
        else if (segments[4] == "tree" && TreeApiAvailable)
        {
            Tree(context, repo, revision, query);
        }
        else
        {
            Reply(context, 404, null);
        }
    }

    private static bool Authorize(HttpListenerContext context, ServedRepo repo)
    {
        string? authorization = context.Request.Headers["Authorization"];
        if (repo.RequiredToken is null || authorization == "Bearer " + repo.RequiredToken)
        {
            return true;
        }

        // The hub's answers for a gated repository: 401 with no token, 403 with a token that lacks access.
        Reply(context, authorization is null ? 401 : 403, "GatedRepo");
        return false;
    }

    private void Tree(HttpListenerContext context, ServedRepo repo, string revision, string query)
    {
        var entries = new List<object>();
        IEnumerable<string> folders = repo.Files
            .Select(file => Path.GetDirectoryName(file.RepoPath)!)
            .Where(folder => folder.Length > 0)
            .Distinct();
        foreach (string folder in folders)
        {
            entries.Add(new { type = "directory", oid = new string('d', 40), size = 0, path = folder.Replace('\\', '/') });
        }

        foreach (ServedFile file in repo.Files)
        {
            object lfs = new { oid = file.Sha256, size = file.Size, pointerSize = 134 };
            entries.Add(file.IsLfs
                ? new { type = "file", oid = file.GitBlobId, size = file.Size, path = file.RepoPath, lfs }
                : new { type = "file", oid = file.GitBlobId, size = file.Size, path = file.RepoPath });
        }

        entries.AddRange(ExtraTreePaths.Select(path => new { type = "file", oid = new string('0', 40), size = 1, path }));

        int cursor = query.Split('&').Where(p => p.StartsWith("cursor=", StringComparison.Ordinal))
            .Select(p => int.Parse(p["cursor=".Length..], CultureInfo.InvariantCulture)).FirstOrDefault();
        int pageSize = TreePageSize > 0 ? TreePageSize : entries.Count;
        int next = cursor + pageSize;
        if (next < entries.Count)
        {
            context.Response.AddHeader(
                "Link", $"<{Endpoint}api/models/{repo.RepoId}/tree/{revision}?recursive=true&cursor={next}>; rel=\"next\"");
        }

        Reply(context, 200, null, entries.Skip(cursor).Take(pageSize).ToList());
    }

    private void Resolve(HttpListenerContext context, ServedRepo repo, string repoPath)
    {
        ServedFile? file = repo.Files.FirstOrDefault(f => f.RepoPath == repoPath);
        if (file is null)
        {
            Reply(context, 404, "EntryNotFound");
            return;
        }

        HttpListenerResponse response = context.Response;
        response.AddHeader("X-Repo-Commit", repo.Commit);
        if (!file.IsLfs)
        {
            response.AddHeader("ETag", $"\"{file.GitBlobId}\"");
            ServeBytes(context, file);
            return;
        }

        // As on the hub: the LFS hash and size ride on the redirect, and the storage host serves the bytes.
        response.AddHeader("X-Linked-Etag", $"\"{file.Sha256}\"");
        response.AddHeader("X-Linked-Size", file.Size.ToString(CultureInfo.InvariantCulture));
        response.AddHeader("Location", $"http://{CdnHost}:{Endpoint.Port}/cdn/{file.Sha256}?signature=abc");
        response.StatusCode = 302;
        response.ContentLength64 = 0;
        response.Close();
    }

    /// <summary>A served repository and its files, hashed once when it is added.</summary>
    private sealed class ServedRepo
    {
        public ServedRepo(string repoId, string dir, string commit, string? requiredToken)
        {
            RepoId = repoId;
            Commit = commit;
            RequiredToken = requiredToken;
            Files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                .Select(path => ServedFile.Create(dir, path))
                .OrderBy(file => file.RepoPath, StringComparer.Ordinal)
                .ToList();
        }

        public string RepoId { get; }

        public string Commit { get; }

        public string? RequiredToken { get; }

        public IReadOnlyList<ServedFile> Files { get; }
    }

    /// <summary>One served file; weights are LFS files, as the hub's default .gitattributes makes them.</summary>
    private sealed record ServedFile(string RepoPath, string FullPath, long Size, string Sha256, string GitBlobId, bool IsLfs)
    {
        [SuppressMessage("Security", "CA5350", Justification = "Git blob ids are SHA-1 by definition.")]
        public static ServedFile Create(string dir, string fullPath)
        {
            byte[] content = File.ReadAllBytes(fullPath);
            string repoPath = Path.GetRelativePath(dir, fullPath).Replace('\\', '/');
            bool isLfs = Path.GetExtension(fullPath) is ".safetensors" or ".bin" or ".onnx";
            byte[] blob = isLfs ? Encoding.ASCII.GetBytes("version https://git-lfs.github.com/spec/v1\n") : content;
            byte[] header = Encoding.ASCII.GetBytes($"blob {blob.Length}\0");
            string gitBlobId = Convert.ToHexStringLower(SHA1.HashData([.. header, .. blob]));
            string sha256 = Convert.ToHexStringLower(SHA256.HashData(content));
            return new ServedFile(repoPath, fullPath, content.Length, sha256, gitBlobId, isLfs);
        }
    }
}
