using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace FineTune.Cli.Tests;

/// <summary>
/// The set-up traps of issue 13 (finding 3), with real processes: every database command finds serve's private
/// cluster through <c>--data-dir</c>, the cluster stops with serve unless <c>--keep-db</c>, its port can be chosen,
/// <c>finetune db</c> reports and stops it, <c>/readyz</c> waits for the key file, and a data dir the postgres user
/// cannot reach (as root) is refused with the reason.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PrivateDatabaseTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "finetune-db-" + Guid.NewGuid().ToString("N")[..12]);

    public PrivateDatabaseTests()
    {
        Directory.CreateDirectory(_folder);
        // As root the cluster runs as the postgres user, which must be able to enter the folder.
        File.SetUnixFileMode(_folder, (UnixFileMode)0b111_101_101);
    }

    public void Dispose()
    {
        string data = Path.Combine(_folder, "data");
        if (Directory.Exists(data))
        {
            CliProcess.Run("db", "stop", "--data-dir", data);
        }
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Serve_WithDataDirAndPort_KeysCreateUsesItsCluster_ReadyzWaitsForTheKey_PostgresStopsWithServe()
    {
        string data = Path.Combine(_folder, "data");
        int dbPort = CliProcess.FreePort();
        int httpPort = CliProcess.FreePort();
        string url = $"http://127.0.0.1:{httpPort}";
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };

        using Process serve = CliProcess.Start("serve", "--urls", url, "--data-dir", data, "--db-port", dbPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--no-worker", "--models-dir", Path.Combine(_folder, "models"));
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        serve.OutputDataReceived += (_, line) => output.Enqueue(line.Data ?? "");
        serve.ErrorDataReceived += (_, line) => output.Enqueue(line.Data ?? "");
        serve.BeginOutputReadLine();
        serve.BeginErrorReadLine();
        try
        {
            // Poll readiness from the first moment: a 200 before the key file exists would be the trap.
            int readyBeforeKey = 0, ready = 0;
            var deadline = Stopwatch.StartNew();
            while (ready == 0 && deadline.Elapsed < TimeSpan.FromMinutes(2) && !serve.HasExited)
            {
                try
                {
                    using HttpResponseMessage readyz = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
                    if (readyz.StatusCode == HttpStatusCode.OK)
                    {
                        ready++;
                        readyBeforeKey += File.Exists(Path.Combine(data, "api-key")) ? 0 : 1;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                await Task.Delay(20);
            }
            Assert.True(ready > 0, "serve never became ready:\n" + string.Join('\n', output));
            Assert.Equal(0, readyBeforeKey);
            string serveKey = (await File.ReadAllTextAsync(Path.Combine(data, "api-key"))).Trim();

            CliRun keys = CliProcess.Run("keys", "create", "--tenant", "second", "--data-dir", data);
            CliRun status = CliProcess.Run("db", "status", "--data-dir", data);

            Assert.True(keys.ExitCode == 0, keys.Error);
            foreach (string key in new[] { serveKey, keys.Output.Trim() })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/v1/jobs", UriKind.Relative));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                using HttpResponseMessage jobs = await http.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, jobs.StatusCode);
            }
            Assert.Equal(0, status.ExitCode);
            Assert.Contains($"Port={dbPort};", status.Output, StringComparison.Ordinal);
        }
        finally
        {
            CliProcess.Terminate(serve);
        }

        CliRun after = CliProcess.Run("db", "status", "--data-dir", data);
        Assert.True(after.ExitCode == 3, "the private Postgres outlived serve:\n" + after.Output + string.Join('\n', output));
        Assert.Contains(output, line => line.Contains("private Postgres stopped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_WithKeepDb_LeavesPostgresRunning_UntilDbStop()
    {
        string data = Path.Combine(_folder, "data");
        using Process serve = CliProcess.Start("serve", "--urls", "http://127.0.0.1:0", "--data-dir", data, "--keep-db", "--no-worker", "--models-dir", Path.Combine(_folder, "models"));
        // stderr drained from the start: a full pipe would block serve before it prints its key.
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        serve.ErrorDataReceived += (_, e) => errors.Enqueue(e.Data ?? "");
        serve.BeginErrorReadLine();
        // Bounded: a serve that hangs during start-up fails this test instead of stalling the whole run.
        Task<string?> keyLine = Task.Run(() =>
        {
            string? read;
            while ((read = serve.StandardOutput.ReadLine()) is not null && !read.StartsWith("API key of tenant", StringComparison.Ordinal))
            {
            }
            return read;
        });
        if (await Task.WhenAny(keyLine, Task.Delay(TimeSpan.FromMinutes(2))) != keyLine)
        {
            serve.Kill(entireProcessTree: true);
            Assert.Fail("serve printed no key within 2 minutes: " + string.Join('\n', errors));
        }
        string? line = await keyLine;
        Assert.True(line is not null, "serve exited before printing its key: " + string.Join('\n', errors));
        _ = serve.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        CliProcess.Terminate(serve);

        CliRun kept = CliProcess.Run("db", "status", "--data-dir", data);
        CliRun stop = CliProcess.Run("db", "stop", "--data-dir", data);
        CliRun stopped = CliProcess.Run("db", "status", "--data-dir", data);

        Assert.Equal(0, kept.ExitCode);
        Assert.StartsWith("running", kept.Output, StringComparison.Ordinal);
        Assert.Equal(0, stop.ExitCode);
        Assert.Equal(3, stopped.ExitCode);
        Assert.StartsWith("stopped", stopped.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void DbStart_OnAPortInUse_SaysSoAndWhatToDo()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int taken = ((IPEndPoint)listener.LocalEndpoint).Port;

        CliRun start = CliProcess.Run("db", "start", "--data-dir", Path.Combine(_folder, "data"), "--db-port", taken.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(1, start.ExitCode);
        Assert.Contains($"port {taken} is already in use", start.Error, StringComparison.Ordinal);
        Assert.Contains("--db-port", start.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void DbStart_WhenItsPortIsTakenBeforeTheServerBindsIt_StartsOnAnother()
    {
        string data = Path.Combine(_folder, "data");
        Directory.CreateDirectory(Path.Combine(data, "pgdata"));
        // Bound but not listening: a probe's connect is refused, so the port looks free, yet Postgres cannot bind it,
        // as when another process takes a port between the check and the start. Held by python3 (a socket without
        // SO_REUSEADDR; .NET's sockets set it on Unix, and beside one Postgres could bind the port after all).
        using Process held = Process.Start(new ProcessStartInfo("python3", ["-c", "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1], flush=True); sys.stdin.read()"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        })!;
        int taken = int.Parse(held.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);
        File.WriteAllText(Path.Combine(data, "pgdata", "port"), taken.ToString(System.Globalization.CultureInfo.InvariantCulture));

        CliRun start = CliProcess.Run("db", "start", "--data-dir", data);
        CliRun stop = CliProcess.Run("db", "stop", "--data-dir", data);

        Assert.True(start.ExitCode == 0, start.Error);
        Assert.Contains("Port=", start.Output, StringComparison.Ordinal);
        Assert.DoesNotContain($"Port={taken};", start.Output, StringComparison.Ordinal);
        held.StandardInput.Close();
        held.WaitForExit();
        Assert.Equal(0, stop.ExitCode);
    }

    [Fact]
    public void DbStart_WhenTheServerRefusesToStart_SaysWhyInItsError()
    {
        string data = Path.Combine(_folder, "data");
        Assert.Equal(0, CliProcess.Run("db", "start", "--data-dir", data).ExitCode);
        Assert.Equal(0, CliProcess.Run("db", "stop", "--data-dir", data).ExitCode);
        File.AppendAllText(Path.Combine(data, "pgdata", "cluster", "postgresql.conf"), "shared_buffers = nonsense\n");

        CliRun start = CliProcess.Run("db", "start", "--data-dir", data);

        Assert.Equal(1, start.ExitCode);
        Assert.Contains("invalid value for parameter \"shared_buffers\"", start.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("70000")]
    [InlineData("0")]
    public void DbStart_WithAPortVariableThatIsNoPort_NamesTheVariable_StartsNothing(string value)
    {
        string data = Path.Combine(_folder, "data");
        CliRun start = CliProcess.Run(new Dictionary<string, string> { ["FINETUNE_DB_PORT"] = value }, "db", "start", "--data-dir", data);

        Assert.Equal(1, start.ExitCode);
        Assert.Equal($"error: FINETUNE_DB_PORT: '{value}' is not a TCP port (1-65535)", start.Error.Trim());
        Assert.False(Directory.Exists(Path.Combine(data, "pgdata")), "a cluster was created for a bad port");
    }

    [Fact]
    public void DbStart_InsideAFolderThePostgresUserCannotEnter_SaysWhichFolderAndWhatToDo()
    {
        string locked = Path.Combine(_folder, "locked");
        Directory.CreateDirectory(locked);
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string data = Path.Combine(locked, "data");

        CliRun start = CliProcess.Run("db", "start", "--data-dir", data);

        if (Environment.UserName == "root")
        {
            // initdb refuses root, so the cluster runs as postgres, which a 0700 root folder keeps out.
            Assert.Equal(1, start.ExitCode);
            Assert.Contains($"cannot enter {locked} (mode 700, owner root)", start.Error, StringComparison.Ordinal);
            Assert.Contains($"chmod o+x {locked}", start.Error, StringComparison.Ordinal);
            Assert.Single(start.Error.Trim().Split('\n'));
        }
        else
        {
            // Run as its owner, the cluster needs nothing of other users: the same folder works.
            Assert.True(start.ExitCode == 0, start.Error);
            Assert.Equal(0, CliProcess.Run("db", "stop", "--data-dir", data).ExitCode);
        }
    }
}
