using System.CommandLine;
using System.Diagnostics;
using FineTune.Contracts.Hosting;
using FineTune.Persistence;
using FineTune.Persistence.Migrations;
using Npgsql;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune migrate [--connection CS]</c>: applies pending schema migrations. Without a connection string (option
/// or <c>ConnectionStrings__FineTune</c>) it starts the repository's local Postgres (scripts/postgres.sh) and uses it.
/// </summary>
internal static class MigrateCommand
{
    public static Command Create(TextWriter output)
    {
        var connection = new Option<string?>("--connection") { Description = "Npgsql connection string (default: FINETUNE_DB, else a local Postgres)" };
        var command = new Command("migrate", "Apply pending database migrations") { connection };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            string connectionString = parseResult.GetValue(connection)
                ?? FineTuneEnvironment.Database
                ?? StartLocalPostgres();
            await using NpgsqlDataSource dataSource = FineTuneDataSource.Create(connectionString);
            IReadOnlyList<MigrationScript> applied = await new DatabaseMigrator(dataSource).MigrateAsync(cancellationToken);
            output.WriteLine($"database is up to date ({applied.Count} migration(s) applied now)");
            return 0;
        });
        return command;
    }

    /// <summary>Runs scripts/postgres.sh start, which prints the connection string of a private local cluster.</summary>
    internal static string StartLocalPostgres()
    {
        string root = CliOptions.RepoRoot() ?? throw new ArgumentException("give --connection (no checkout with scripts/postgres.sh found)");
        using Process process = Process.Start(new ProcessStartInfo(Path.Combine(root, "scripts", "postgres.sh"), "start") { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("could not run scripts/postgres.sh");
        string output = process.StandardOutput.ReadToEnd().Trim();
        string error = process.StandardError.ReadToEnd().Trim();
        process.WaitForExit();
        if (process.ExitCode != 0 || output.Length == 0)
        {
            throw new InvalidOperationException($"scripts/postgres.sh start failed: {error}");
        }
        return output;
    }
}
