using System.CommandLine;

namespace FineTune.Cli;

/// <summary>
/// The one-line answer to an option the command does not have, naming the option it most likely meant: the names users
/// bring from Hugging Face's TrainingArguments, TRL and PEFT (<c>--max-steps</c>, <c>--learning-rate</c>,
/// <c>--output-dir</c>) and the command's own options with a word or two more or less (<c>--num-train-epochs</c>).
/// Only a suggestion: nothing is run under the suggested name.
/// </summary>
internal static class UnknownOptionHint
{
    // Names from Hugging Face TrainingArguments / TRL SFTConfig / PEFT LoraConfig whose words do not contain ours.
    private static readonly Dictionary<string, string> s_synonyms = new(StringComparer.Ordinal)
    {
        ["learning-rate"] = "lr",
        ["output-dir"] = "out",
        ["dataset"] = "data",
        ["train-file"] = "data",
        ["dataset-path"] = "data",
        ["lr-scheduler-type"] = "lr-schedule",
        ["gradient-accumulation-steps"] = "grad-accum",
        ["max-seq-length"] = "max-seq-len",
        ["max-length"] = "max-seq-len",
        ["lora-rank"] = "lora-r",
        ["r"] = "lora-r",
        ["target-modules"] = "targets",
        ["use-rslora"] = "rslora",
        ["resume-from-checkpoint"] = "resume",
        ["save-steps"] = "save-every",
        ["eval-steps"] = "eval-every",
    };

    /// <summary>
    /// "'finetune train' has no option --max-steps: did you mean --steps?" for the first unknown option that has a
    /// likely meaning, or null.
    /// </summary>
    public static string? For(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        Command command = parsed.CommandResult.Command;
        List<string> optionNames = command.Options.SelectMany(option => new[] { option.Name }.Concat(option.Aliases)).ToList();
        foreach (string token in parsed.UnmatchedTokens.Where(token => token.StartsWith("--", StringComparison.Ordinal)))
        {
            string option = token.Split('=')[0];
            if (Suggest(option[2..].Replace('_', '-').ToLowerInvariant(), optionNames) is string meant)
            {
                string path = CommandPath(command);
                return $"'{path}' has no option {option}: did you mean {meant}? (see {path} --help)";
            }
        }
        return null;
    }

    /// <summary>The option name (with its dashes) <paramref name="given"/> (without them) most likely means, or null.</summary>
    internal static string? Suggest(string given, IReadOnlyList<string> optionNames)
    {
        var names = optionNames.Where(name => name.StartsWith("--", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        if (s_synonyms.TryGetValue(given, out string? synonym) && names.Contains("--" + synonym))
        {
            return "--" + synonym;
        }
        // Our name's words appear, in order and together, among the given words: max-steps → steps,
        // per-device-train-batch-size → batch-size. The longest such name wins (lr-scheduler → lr-schedule, not lr).
        string[] givenWords = given.Split('-', StringSplitOptions.RemoveEmptyEntries);
        return names
            .Where(name => ContainsRun(givenWords, name[2..].Split('-', StringSplitOptions.RemoveEmptyEntries)))
            .OrderByDescending(name => name.Length)
            .ThenBy(name => name, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private static bool ContainsRun(string[] words, string[] run)
    {
        if (run.Length == 0 || run.Length > words.Length)
        {
            return false;
        }
        for (int start = 0; start + run.Length <= words.Length; start++)
        {
            if (words.AsSpan(start, run.Length).SequenceEqual(run))
            {
                return true;
            }
        }
        return false;
    }

    private static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Command? current = command; current is not null; current = current.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Add(current is RootCommand ? "finetune" : current.Name);
        }
        names.Reverse();
        return string.Join(' ', names);
    }
}
