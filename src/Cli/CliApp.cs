using System.CommandLine;
using FineTune.Contracts.Hosting;
using FineTune.Cli.Commands;

namespace FineTune.Cli;

/// <summary>
/// The <c>finetune</c> command line. Each subcommand lives in Commands/; this class only assembles them and turns
/// an unexpected failure into one readable line and a non-zero exit code.
/// </summary>
public static class CliApp
{
    /// <summary>Runs the command line with the given output writers and returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        RootCommand root = CreateRoot(output);
        try
        {
            ParseResult parsed = root.Parse(args);
            if (parsed.Errors.Count > 0 && args.Length > 0)
            {
                error.WriteLine(UnknownOptionHint.For(parsed) is string hint
                    ? $"error: {hint}"
                    : $"error: {string.Join("; ", parsed.Errors.Select(e => e.Message))} (see finetune --help)");
                return 2;
            }
            // Ctrl+C or SIGTERM cancels the command; serve then needs a few seconds to stop its host and its Postgres.
            return parsed.Invoke(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = TimeSpan.FromSeconds(30),
            });
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error.WriteLine($"error: {ErrorLine.Of(e.Message)}");
            return 1;
        }
    }

    /// <summary>The command tree (also read by the test that checks the commands the READMEs show).</summary>
    internal static RootCommand CreateRoot(TextWriter output)
    {
        return new RootCommand("FineTune: LoRA and DP-SGD fine-tuning of open LLMs on libtorch")
        {
            DoctorCommand.Create(output),
            BenchCommand.Create(output),
            TokenizeCommand.Create(output),
            GenerateCommand.Create(output),
            InitModelCommand.Create(output),
            TrainCommand.Create(output),
            PrivacyCommand.Create(output),
            MigrateCommand.Create(output),
            KeysCommand.Create(output),
            JobsCommand.Create(output),
            WorkerCommand.Create(output),
            ServeCommand.Create(output),
            DbCommand.Create(output),
        };
    }
}
