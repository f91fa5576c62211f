using System.Diagnostics;
using System.Globalization;

namespace FineTune.Worker.Tests.Infrastructure;

/// <summary>
/// A real worker process (<c>FineTune.Worker.dll</c>, what <c>finetune worker</c> runs) on the test's database, so a
/// test can kill it with SIGKILL: no shutdown hook runs, its Hangfire server stops heartbeating mid-job, and nothing
/// of it cleans up, exactly as after <c>kill -9</c>.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;

    private WorkerProcess(Process process)
    {
        _process = process;
    }

    public static WorkerProcess Start(WorkerTestContext context, string name)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "FineTune.Worker.dll");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ConnectionStrings__FineTune"] = context.ConnectionString;
        start.Environment["PersistenceOptions__MigrateOnStart"] = "false";
        start.Environment["WorkerOptions__ModelsDir"] = context.ModelsDir;
        start.Environment["WorkerOptions__WorkDir"] = context.WorkDir;
        start.Environment["WorkerOptions__Slots"] = "1";
        start.Environment["WorkerOptions__Backends__0"] = "libtorch-cpu";
        start.Environment["WorkerOptions__HeartbeatInterval"] = (context.QueueOptions.LeaseDuration / 3).ToString("c", CultureInfo.InvariantCulture);
        start.Environment["JobQueueOptions__LeaseDuration"] = context.QueueOptions.LeaseDuration.ToString("c", CultureInfo.InvariantCulture);
        start.Environment["HangfireOptions__InvisibilityTimeout"] = context.InvisibilityTimeout.ToString("c", CultureInfo.InvariantCulture);
        start.Environment["HangfireOptions__DispatchSweepInterval"] = "00:00:00.200";
        start.Environment["HangfireOptions__QueuePollInterval"] = "00:00:01";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the worker process");
        process.OutputDataReceived += (_, line) => Forward(context, name, line.Data);
        process.ErrorDataReceived += (_, line) => Forward(context, name, line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new WorkerProcess(process);
    }

    /// <summary>SIGKILL, and waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }

    private static void Forward(WorkerTestContext context, string name, string? line)
    {
        if (line is null)
        {
            return;
        }
        try
        {
            context.Output.WriteLine($"[{name}] {line}");
        }
        catch (InvalidOperationException)
        {
            // The test has ended; its output is closed.
        }
    }
}
