using System.Diagnostics;

namespace FineTune.Testing;

/// <summary>
/// The Postgres server the tests use: <c>FINETUNE_TEST_PG</c> when set (./test.sh exports it), otherwise the local
/// cluster of <c>scripts/postgres.sh start</c>, started on first use.
/// </summary>
internal static class PostgresServer
{
    /// <summary>The environment variable naming the server's connection string.</summary>
    public const string EnvironmentVariable = "FINETUNE_TEST_PG";

    private static readonly Lazy<Task<string>> s_connectionString = new(ResolveAsync);

    /// <summary>A connection string with rights to create and drop databases.</summary>
    public static Task<string> AdminConnectionStringAsync()
    {
        return s_connectionString.Value;
    }

    private static async Task<string> ResolveAsync()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }
        string script = Path.Combine(RepoPaths.RepoRoot, "scripts", "postgres.sh");
        var startInfo = new ProcessStartInfo("bash", [script, "start"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not run " + script);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        string output = (await stdout).Trim();
        if (process.ExitCode != 0 || output.Length == 0)
        {
            throw new InvalidOperationException($"{script} start failed ({process.ExitCode}): {await stderr}");
        }
        return output.Split('\n')[^1].Trim();
    }
}
