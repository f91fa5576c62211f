using System.Collections.Concurrent;
using System.Diagnostics;
using FineTune.Testing;

namespace FineTune.Cli.Tests;

/// <summary>
/// <c>finetune serve</c> as its own process (real API, hub, in-process worker) against a database of its own on the
/// test Postgres (<c>FINETUNE_TEST_PG</c>), with the tinystories model in a temporary models dir. Its own database,
/// because test classes run in parallel and every server's worker fetches from the same Hangfire queues: on a shared
/// database one server's job could run in another's worker (seen: ObservabilityEndToEndTests found its job succeeded
/// but none of its steps in its own server's worker metrics). Reads the URL and API key it
/// prints; disposing kills it and deletes its folder.
/// </summary>
internal sealed class ServeProcess : IDisposable
{
    private readonly ScratchDatabase _database;
    private readonly Process _server;
    private readonly ConcurrentQueue<string> _lines = new();

    private ServeProcess(string folder, ScratchDatabase database, Process server, string url, string key)
    {
        Folder = folder;
        _database = database;
        _server = server;
        Url = url;
        Key = key;
    }

    /// <summary>A temporary folder of this server (data dir, models dir); tests may put their files in it too.</summary>
    public string Folder { get; }

    /// <summary>The Postgres the server uses.</summary>
    public string Connection => _database.ConnectionString;

    public string Url { get; }

    public string Key { get; }

    /// <summary>Everything the server printed to stdout so far (its banner, and its logs).</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>
    /// Starts the server on a free port and waits (up to 2 minutes) until it prints its URL and key.
    /// <paramref name="arguments"/> are added to serve's; <paramref name="environment"/> to its environment.
    /// </summary>
    public static ServeProcess Start(string[]? arguments = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        string testServer = Environment.GetEnvironmentVariable("FINETUNE_TEST_PG") ?? "";
        Assert.False(testServer.Length == 0, "FINETUNE_TEST_PG is not set: run the tests through ./test.sh, which starts Postgres");
        ScratchDatabase database = ScratchDatabase.Create("finetune_serve_", testServer);
        string folder = Path.Combine(Path.GetTempPath(), "finetune-serve-" + Guid.NewGuid().ToString("N"));
        string models = Path.Combine(folder, "models");
        Directory.CreateDirectory(models);
        Directory.CreateSymbolicLink(Path.Combine(models, "tinystories-656k"), RepoPaths.Model("tinystories-656k"));

        string cli = Path.Combine(AppContext.BaseDirectory, "finetune.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { cli, "serve", "--urls", "http://127.0.0.1:0", "--data-dir", Path.Combine(folder, "data"), "--models-dir", models }.Concat(arguments ?? []))
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["FINETUNE_DB"] = database.ConnectionString;
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        Process server = Process.Start(start)!;
        var lines = new ConcurrentQueue<string>();
        try
        {
            (string url, string key) = ReadUrlAndKey(server, lines);
            var serve = new ServeProcess(folder, database, server, url, key);
            foreach (string line in lines)
            {
                serve._lines.Enqueue(line);
            }
            // Keep draining stdout, so the server never blocks on a full pipe, and keep what it prints.
            _ = Task.Run(() =>
            {
                while (server.StandardOutput.ReadLine() is string line)
                {
                    serve._lines.Enqueue(line);
                }
            });
            return serve;
        }
        catch
        {
            Stop(server);
            Directory.Delete(folder, recursive: true);
            database.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Stop(_server);
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
        _database.Dispose();
    }

    private static (string Url, string Key) ReadUrlAndKey(Process server, ConcurrentQueue<string> lines)
    {
        // Keep stderr, so a server that dies before printing its URL says why in the failure.
        var errors = new ConcurrentQueue<string>();
        server.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                errors.Enqueue(e.Data);
            }
        };
        server.BeginErrorReadLine();
        string? url = null, key = null;
        var deadline = Stopwatch.StartNew();
        while ((url is null || key is null) && deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            string? line = server.StandardOutput.ReadLine();
            if (line is null)
            {
                server.WaitForExit(5000);
                // The cause is often early (a port taken, Postgres slow to start) and shutdown logs come last: show both ends.
                string[] output = [.. lines.Concat(errors)];
                string shown = output.Length <= 80 ? string.Join('\n', output) : string.Join('\n', output.Take(40).Append("...").Concat(output.TakeLast(40)));
                Assert.Fail($"finetune serve exited (code {server.ExitCode}) before printing its URL and key:\n{shown}");
            }
            lines.Enqueue(line!);
            if (line!.StartsWith("FineTune is serving on ", StringComparison.Ordinal))
            {
                url = line["FineTune is serving on ".Length..].Split(' ', ',')[0];
            }
            if (line.StartsWith("API key of tenant", StringComparison.Ordinal))
            {
                key = line[(line.LastIndexOf(' ') + 1)..];
            }
        }
        Assert.NotNull(url);
        Assert.NotNull(key);
        return (url!, key!);
    }

    private static void Stop(Process server)
    {
        if (!server.HasExited)
        {
            server.Kill(entireProcessTree: true);
            server.WaitForExit();
        }
        server.Dispose();
    }
}
