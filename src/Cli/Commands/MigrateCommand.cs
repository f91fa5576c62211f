using System.CommandLine;
using FineTune.Persistence;
using FineTune.Persistence.Migrations;
using Npgsql;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune migrate [--connection CS] [--data-dir DIR] [--db-port N]</c>: applies pending schema migrations. Without a
/// connection string (option, <c>FINETUNE_DB</c> or <c>ConnectionStrings__FineTune</c>) it uses the data dir's private
/// Postgres (<see cref="LocalPostgres"/>), the one <c>serve --data-dir DIR</c> runs, starting it if needed.
/// </summary>
internal static class MigrateCommand
{
    public static Command Create(TextWriter output)
    {
        Option<string?> connection = LocalPostgres.ConnectionOption();
        Option<string?> dataDir = LocalPostgres.DataDirOption();
        Option<int?> port = LocalPostgres.PortOption();
        var command = new Command("migrate", "Apply pending database migrations") { connection, dataDir, port };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            string connectionString = LocalPostgres.ConnectionString(parseResult.GetValue(connection), parseResult.GetValue(dataDir), parseResult.GetValue(port));
            await using NpgsqlDataSource dataSource = FineTuneDataSource.Create(connectionString);
            IReadOnlyList<MigrationScript> applied = await new DatabaseMigrator(dataSource).MigrateAsync(cancellationToken);
            output.WriteLine($"database is up to date ({applied.Count} migration(s) applied now)");
            return 0;
        });
        return command;
    }

    /// <summary>Starts the checkout's default private Postgres and returns its connection string.</summary>
    internal static string StartLocalPostgres() => LocalPostgres.Start(dataDir: null, port: null).ConnectionString;
}
