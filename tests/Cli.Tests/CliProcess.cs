using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FineTune.Cli.Tests;

/// <summary>
/// The <c>finetune</c> CLI as its own process, with no database named in its environment (no <c>FINETUNE_DB</c>,
/// <c>FINETUNE_DATA_DIR</c> or <c>FINETUNE_DB_PORT</c>), so it finds its Postgres the way a new user's shell does.
/// </summary>
internal static class CliProcess
{
    private static readonly string[] s_databaseVariables = ["FINETUNE_DB", "ConnectionStrings__FineTune", "FINETUNE_DATA_DIR", "FINETUNE_DB_PORT", "FINETUNE_PGDATA", "FINETUNE_PG_PORT"];

    /// <summary>A process running <c>finetune</c> with <paramref name="args"/>, its output redirected.</summary>
    public static Process Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>As <see cref="Start(string[])"/>, with <paramref name="environment"/> set on top of the cleaned one.</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "finetune.dll"));
        foreach (string argument in args)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (string variable in s_databaseVariables)
        {
            start.Environment.Remove(variable);
        }
        foreach ((string variable, string value) in environment)
        {
            start.Environment[variable] = value;
        }
        return Process.Start(start)!;
    }

    /// <summary>Runs <c>finetune</c> to its end (at most 2 minutes).</summary>
    public static CliRun Run(params string[] args) => Run(new Dictionary<string, string>(), args);

    /// <summary>Runs <c>finetune</c> to its end (at most 2 minutes) with <paramref name="environment"/> set.</summary>
    public static CliRun Run(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using Process process = Start(environment, args);
        Task<string> error = process.StandardError.ReadToEndAsync();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), $"finetune {string.Join(' ', args)} did not end");
        return new CliRun(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Asks <paramref name="process"/> to stop as Ctrl+C or an orchestrator would (SIGTERM) and waits for it.</summary>
    public static void Terminate(Process process)
    {
        using (Process kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "finetune did not stop within 60 s of SIGTERM");
    }

    /// <summary>A local TCP port nobody listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
