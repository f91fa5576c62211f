using System.CommandLine;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune db start|stop|status [--data-dir DIR] [--db-port N]</c>: the private Postgres cluster of a data dir
/// (<see cref="LocalPostgres"/>), e.g. one that <c>serve --keep-db</c> left running.
/// </summary>
internal static class DbCommand
{
    public static Command Create(TextWriter output)
    {
        var command = new Command("db", "The private Postgres of a data dir: start, stop, status");
        command.Subcommands.Add(Verb("start", "Start it (if stopped) and print its connection string", (dataDir, port) =>
        {
            output.WriteLine(LocalPostgres.Start(dataDir, port).ConnectionString);
            return 0;
        }));
        command.Subcommands.Add(Verb("stop", "Stop it (a fast shutdown: sessions are disconnected)", (dataDir, _) =>
        {
            LocalPostgres.Stop(dataDir);
            output.WriteLine($"stopped ({Where(dataDir)})");
            return 0;
        }));
        command.Subcommands.Add(Verb("status", "Say whether it runs and where; exit 3 when stopped", (dataDir, _) =>
        {
            bool running = LocalPostgres.IsRunning(dataDir);
            string url = LocalPostgres.Url(dataDir) ?? "never started";
            output.WriteLine($"{(running ? "running" : "stopped")}: {url} ({Where(dataDir)})");
            return running ? 0 : 3;
        }));
        return command;
    }

    private static string Where(string? dataDir) =>
        LocalPostgres.ExplicitDataDir(dataDir) is { } data ? $"data dir {data}" : "the checkout's default cluster";

    private static Command Verb(string name, string description, Func<string?, int?, int> action)
    {
        Option<string?> dataDir = LocalPostgres.DataDirOption();
        Option<int?> port = LocalPostgres.PortOption();
        var verb = new Command(name, description) { dataDir };
        if (name == "start")
        {
            verb.Options.Add(port);
        }
        verb.SetAction(parseResult => action(parseResult.GetValue(dataDir), parseResult.GetValue(port)));
        return verb;
    }
}
