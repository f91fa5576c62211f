using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FineTune.Testing;

namespace FineTune.Api.Tests.Hubs;

/// <summary>
/// Runs <c>tools/reference/signalr/client.mjs</c> (the real <c>@microsoft/signalr</c> npm client) under node and
/// collects the JSON lines it prints. A missing node or node_modules fails the test with the fix, never skips.
/// </summary>
internal sealed class NodeSignalRClient : IAsyncDisposable
{
    public const string InstallHint = "run `npm ci --prefix tools/reference/signalr` (node 20+ must be on PATH); ./test.sh does";

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Lock _lock = new();
    private readonly List<JsonElement> _lines = [];
    private readonly List<(Func<JsonElement, bool> Match, TaskCompletionSource<JsonElement> Found)> _waiters = [];
    private readonly StringBuilder _stderr = new();
    private readonly Task _reading;

    private NodeSignalRClient(Process process)
    {
        _process = process;
        _reading = Task.Run(ReadStdoutAsync);
        _process.ErrorDataReceived += (_, line) =>
        {
            lock (_lock)
            {
                _stderr.AppendLine(line.Data);
            }
        };
        _process.BeginErrorReadLine();
    }

    public static string ToolDirectory => Path.Combine(RepoPaths.RepoRoot, "tools", "reference", "signalr");

    /// <summary>Every line printed so far.</summary>
    public IReadOnlyList<JsonElement> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The <c>event</c> lines so far.</summary>
    public IReadOnlyList<JsonElement> Events => [.. Lines.Where(line => Kind(line) == "event")];

    public string Stderr
    {
        get
        {
            lock (_lock)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts the client for <paramref name="jobId"/> with the key (null: none) and extra arguments.</summary>
    public static NodeSignalRClient Start(Uri baseAddress, string? apiKey, Guid jobId, params string[] arguments)
    {
        string packageJson = Path.Combine(ToolDirectory, "node_modules", "@microsoft", "signalr", "package.json");
        Assert.True(File.Exists(packageJson), $"The SignalR node client is not installed: {InstallHint}.");
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(ToolDirectory, "client.mjs"));
        start.ArgumentList.Add("--url");
        start.ArgumentList.Add(baseAddress.ToString().TrimEnd('/'));
        start.ArgumentList.Add("--job");
        start.ArgumentList.Add(jobId.ToString());
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // The key travels in the environment, not on a command line other processes can read.
        start.Environment.Remove("FINETUNE_API_KEY");
        if (apiKey is not null)
        {
            start.Environment["FINETUNE_API_KEY"] = apiKey;
        }
        try
        {
            return new NodeSignalRClient(Process.Start(start) ?? throw new InvalidOperationException("node did not start"));
        }
        catch (Win32Exception exception)
        {
            Assert.Fail($"node could not be started ({exception.Message}): {InstallHint}.");
            throw;
        }
    }

    public static string Kind(JsonElement line)
    {
        return line.GetProperty("kind").GetString() ?? "";
    }

    /// <summary>The first line (printed so far or later) that <paramref name="match"/> accepts.</summary>
    public Task<JsonElement> WaitForLineAsync(Func<JsonElement, bool> match)
    {
        var found = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            foreach (JsonElement line in _lines)
            {
                if (match(line))
                {
                    return Task.FromResult(line);
                }
            }
            _waiters.Add((match, found));
        }
        return WithDiagnosticsAsync(found.Task);
    }

    /// <summary>The first line of <paramref name="kind"/> from connection <paramref name="connection"/> (1 = first).</summary>
    public Task<JsonElement> WaitForAsync(string kind, int connection = 1)
    {
        return WaitForLineAsync(line => Kind(line) == kind && line.GetProperty("connection").GetInt32() == connection);
    }

    /// <summary>Writes a line to the client's stdin (what <c>--reconnect-on-stdin</c> waits for).</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits for the client to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        await WithDiagnosticsAsync(_process.WaitForExitAsync());
        await _reading;
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        await _reading;
        _process.Dispose();
    }

    private async Task WithDiagnosticsAsync(Task task)
    {
        try
        {
            await task.WaitAsync(s_timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The node SignalR client did not get there in {s_timeout}. stdout:\n{string.Join('\n', Lines)}\nstderr:\n{Stderr}");
        }
    }

    private async Task<T> WithDiagnosticsAsync<T>(Task<T> task)
    {
        await WithDiagnosticsAsync((Task)task);
        return await task;
    }

    private async Task ReadStdoutAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is string text)
        {
            JsonElement line;
            try
            {
                using JsonDocument document = JsonDocument.Parse(text);
                line = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                lock (_lock)
                {
                    _stderr.AppendLine("(stdout, not JSON) " + text);
                }
                continue;
            }
            List<TaskCompletionSource<JsonElement>> found = [];
            lock (_lock)
            {
                _lines.Add(line);
                _waiters.RemoveAll(waiter =>
                {
                    if (!waiter.Match(line))
                    {
                        return false;
                    }
                    found.Add(waiter.Found);
                    return true;
                });
            }
            found.ForEach(waiter => waiter.TrySetResult(line));
        }
    }
}
