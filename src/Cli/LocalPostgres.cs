using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FineTune.Contracts.Hosting;

namespace FineTune.Cli;

/// <summary>
/// The private Postgres cluster of a data dir, run by <c>scripts/postgres.sh</c>. Every command that touches the
/// database finds it the same way, so <c>serve --data-dir D</c>, <c>keys create --data-dir D</c>, <c>migrate</c>,
/// <c>worker</c> and <c>db</c> share one cluster: <c>--data-dir</c> (else <c>FINETUNE_DATA_DIR</c>) holds it in
/// <c>DIR/pgdata</c>; with neither, the checkout's default cluster (<c>.pgdata</c>) is used, as before.
/// <c>--connection</c>, <c>FINETUNE_DB</c> or <c>ConnectionStrings__FineTune</c> name another Postgres instead.
/// </summary>
internal static class LocalPostgres
{
    /// <summary>The <c>--connection</c> option every database command takes (an external Postgres).</summary>
    public static Option<string?> ConnectionOption() => new("--connection")
    {
        Description = "Npgsql connection string (default: FINETUNE_DB, else the local Postgres)",
    };

    /// <summary>The <c>--data-dir</c> option every database command takes.</summary>
    public static Option<string?> DataDirOption() => new("--data-dir")
    {
        Description = "Service data: the private Postgres cluster (DIR/pgdata) and the default API key (default: FINETUNE_DATA_DIR, else .finetune in the checkout)",
    };

    /// <summary>The <c>--db-port</c> option: the port of the private cluster.</summary>
    public static Option<int?> PortOption() => new("--db-port")
    {
        Description = "Port of the private Postgres (default: FINETUNE_DB_PORT, else a free port, kept for the next start)",
    };

    /// <summary>The data dir named by the option or <c>FINETUNE_DATA_DIR</c>, or null for the default.</summary>
    public static string? ExplicitDataDir(string? option)
    {
        string? named = option ?? FineTuneEnvironment.DataDir;
        return string.IsNullOrWhiteSpace(named) ? null : Path.GetFullPath(named);
    }

    /// <summary>The data dir in effect: the named one, else <c>.finetune</c> in the checkout (or the working directory).</summary>
    public static string DataDir(string? option) =>
        ExplicitDataDir(option) ?? Path.Combine(CliOptions.RepoRoot() ?? Environment.CurrentDirectory, ".finetune");

    /// <summary>A Postgres named by <paramref name="connection"/>, <c>FINETUNE_DB</c> or <c>ConnectionStrings__FineTune</c>; null when none is.</summary>
    public static string? ExternalConnectionString(string? connection) =>
        connection ?? FineTuneEnvironment.Database;

    /// <summary>The connection string: an external Postgres when one is named, else the data dir's cluster, started if needed.</summary>
    public static string ConnectionString(string? connection, string? dataDir, int? port) =>
        ExternalConnectionString(connection) ?? Start(dataDir, port).ConnectionString;

    /// <summary>Starts the data dir's cluster when it is not running; <c>Started</c> says whether this call started it.</summary>
    public static (string ConnectionString, bool Started) Start(string? dataDir, int? port)
    {
        bool wasRunning = IsRunning(dataDir);
        string connection = Run("start", dataDir, port).Output;
        if (connection.Length == 0)
        {
            throw new InvalidOperationException("scripts/postgres.sh start printed no connection string");
        }
        return (connection, !wasRunning);
    }

    /// <summary>Stops the data dir's cluster (a fast shutdown: sessions are disconnected).</summary>
    public static void Stop(string? dataDir) => Run("stop", dataDir, port: null);

    /// <summary>Whether the data dir's cluster runs.</summary>
    public static bool IsRunning(string? dataDir) => Run("status", dataDir, port: null, allowFailure: true).ExitCode == 0;

    /// <summary>The connection string of the data dir's cluster (running or not), or null when it was never started.</summary>
    public static string? Url(string? dataDir)
    {
        (int exitCode, string output) = Run("url", dataDir, port: null, allowFailure: true);
        return exitCode == 0 && output.Length > 0 ? output : null;
    }

    private static (int ExitCode, string Output) Run(string verb, string? dataDir, int? port, bool allowFailure = false)
    {
        string root = CliOptions.RepoRoot() ?? throw new InvalidOperationException("no checkout with scripts/postgres.sh found; give --connection or FINETUNE_DB");
        var start = new ProcessStartInfo(Path.Combine(root, "scripts", "postgres.sh"), verb)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (ExplicitDataDir(dataDir) is { } data)
        {
            start.Environment["FINETUNE_PGDATA"] = Path.Combine(data, "pgdata");
        }
        if ((port ?? FineTuneEnvironment.DatabasePort) is int chosenPort)
        {
            start.Environment["FINETUNE_PG_PORT"] = chosenPort.ToString(CultureInfo.InvariantCulture);
        }
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not run scripts/postgres.sh");
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        if (process.ExitCode != 0 && !allowFailure)
        {
            // The script's last line says what went wrong and what to do.
            string reason = error.Result.Trim().Split('\n').LastOrDefault()?.Replace("postgres.sh: ", "", StringComparison.Ordinal) ?? "";
            throw new InvalidOperationException($"the private Postgres did not {verb}: {reason}");
        }
        return (process.ExitCode, output);
    }
}
