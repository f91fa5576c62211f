using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Events;
using FineTune.Contracts.Jobs;
using FineTune.Training.Backends;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune train --model DIR|org/name --data FILE --out DIR [...]</c>: LoRA fine-tuning from the command line, the
/// same engine and backends the workers run. The flags become a job spec, parsed and mapped to the training request
/// exactly as the service does for <c>POST /v1/jobs</c>; progress goes to the terminal, or as JSON lines with
/// <c>--json</c>.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter output)
    {
        var flags = new TrainFlags();
        Command command = Define(flags);
        command.SetAction((parseResult, cancellationToken) => Task.FromResult(Run(flags, parseResult, output, cancellationToken)));
        return command;
    }

    /// <summary>
    /// The backend and request <c>finetune train <paramref name="args"/></c> would train, without training: what the
    /// test comparing the CLI with the service reads.
    /// </summary>
    internal static (string Backend, TrainingRequest Request) Plan(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var flags = new TrainFlags();
        ParseResult parseResult = Define(flags).Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", parseResult.Errors.Select(error => error.Message)));
        }
        return Plan(flags, parseResult, cancellationToken);
    }

    private static Command Define(TrainFlags flags)
    {
        var command = new Command("train", "Fine-tune a model with LoRA");
        foreach (Option option in flags.All)
        {
            command.Options.Add(option);
        }
        return command;
    }

    private static int Run(TrainFlags flags, ParseResult parseResult, TextWriter output, CancellationToken cancellationToken)
    {
        CheckpointRetention? retention = parseResult.GetValue(flags.KeepCheckpoints) is int keep ? new CheckpointRetention(keep) : null;
        (string backendName, TrainingRequest request) = Plan(flags, parseResult, cancellationToken);
        ITrainingBackend backend = TrainingBackends.Get(backendName);
        var progress = new TrainProgress(output, parseResult.GetValue(flags.Json), retention);
        TrainingResult result = backend.Train(request, progress, cancellationToken);
        progress.WriteResult(result, request.OutputDir);
        return 0;
    }

    // Flags -> spec -> the service's parser -> the service's request mapping, plus the settings only a CLI run has.
    private static (string Backend, TrainingRequest Request) Plan(TrainFlags flags, ParseResult parseResult, CancellationToken cancellationToken)
    {
        JobSpec spec = ParseSpec(TrainSpecJson.From(flags, parseResult));
        TrainingRequest request = spec.ToTrainingRequest(
            ModelSource.Resolve(spec.Model, cancellationToken),
            spec.TrainingFile,
            spec.ValidationFile,
            parseResult.GetValue(flags.OutDir)!) with
        {
            OrderBy = parseResult.GetValue(flags.OrderBy),
            ResumeFrom = parseResult.GetValue(flags.Resume),
            Merge = parseResult.GetValue(flags.Merge),
        };
        return (spec.Backend, request);
    }

    /// <summary>The spec parsed as the API parses it; its errors become one line naming the flags, not the fields.</summary>
    private static JobSpec ParseSpec(JsonObject specJson)
    {
        using JsonDocument document = JsonDocument.Parse(specJson.ToJsonString());
        (JobSpec? spec, IReadOnlyList<JobSpecError> errors) = JobSpecParser.Parse(document.RootElement);
        if (spec is null)
        {
            throw new ArgumentException(string.Join("; ", errors.Select(error => $"{TrainFlags.FlagOf(error.Field)}: {error.Message}")));
        }
        return spec;
    }
}
