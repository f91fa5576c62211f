using System.Diagnostics;
using FineTune.Testing;

namespace FineTune.Worker.Tests.Infrastructure;

/// <summary>
/// The Postgres server of the tests: <c>FINETUNE_TEST_PG</c> when set (./test.sh exports it), otherwise the local
/// cluster that <c>scripts/postgres.sh start</c> starts (or reuses) on first use.
/// </summary>
internal static class PostgresServer
{
    private static readonly Lazy<Task<string>> s_connectionString = new(StartAsync);

    public static Task<string> AdminConnectionStringAsync()
    {
        return s_connectionString.Value;
    }

    private static async Task<string> StartAsync()
    {
        string? configured = Environment.GetEnvironmentVariable("FINETUNE_TEST_PG");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }
        string script = Path.Combine(RepoPaths.RepoRoot, "scripts", "postgres.sh");
        using Process process = Process.Start(new ProcessStartInfo("bash", [script, "start"]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("could not run " + script);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        string connectionString = (await output).Trim().Split('\n')[^1].Trim();
        if (process.ExitCode != 0 || connectionString.Length == 0)
        {
            throw new InvalidOperationException($"{script} start failed ({process.ExitCode}): {await error}");
        }
        return connectionString;
    }
}
