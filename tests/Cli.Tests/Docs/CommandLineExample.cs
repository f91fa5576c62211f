using System.CommandLine;
using System.Text.RegularExpressions;

namespace FineTune.Cli.Tests.Docs;

/// <summary>
/// A <c>finetune ...</c> command line shown in a Markdown document: in a code span (<c>`./finetune jobs submit`</c>), a
/// table cell (<c>submit\|watch</c> names alternatives) or a code block line. A span that follows one of them on the same
/// line after only " / " or "; " continues it: <c>`--decode 1,2,3`</c> adds options, <c>`keys create`</c> is a command.
/// </summary>
internal sealed partial record CommandLineExample(string Text, int Line)
{
    public static IEnumerable<CommandLineExample> Find(string markdown)
    {
        string[] lines = markdown.Split('\n');
        bool inCodeBlock = false;
        for (int number = 1; number <= lines.Length; number++)
        {
            string line = lines[number - 1].TrimEnd('\r');
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inCodeBlock = !inCodeBlock;
                continue;
            }
            if (inCodeBlock)
            {
                string code = line.Split('#')[0].Trim();
                if (Command(code) is string command)
                {
                    yield return new CommandLineExample(command, number);
                }
                continue;
            }
            string? previous = null;
            int previousEnd = -1;
            foreach (Match span in CodeSpan().Matches(line))
            {
                string text = span.Groups[1].Value.Trim();
                bool continues = previous is not null && line[previousEnd..span.Index] is " / " or "; ";
                if (Command(text) is string command)
                {
                    previous = command;
                }
                else if (continues)
                {
                    previous = text.StartsWith("--", StringComparison.Ordinal) ? CommandPath(previous!) + " " + text : text;
                }
                else
                {
                    previous = null;
                    continue;
                }
                previousEnd = span.Index + span.Length;
                yield return new CommandLineExample(previous, number);
            }
        }
    }

    /// <summary>What is wrong with this command line against the CLI's command tree; empty when it parses.</summary>
    public IEnumerable<string> Check(RootCommand root)
    {
        List<List<Command>> current = [[root]];
        bool inPath = true;
        foreach (string raw in Text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string token = raw.Trim('[', ']');
            if (token.Length == 0 || token.StartsWith('<') || token == "...")
            {
                continue;
            }
            if (token.StartsWith("--", StringComparison.Ordinal))
            {
                inPath = false;
                string name = token.Split('=')[0];
                foreach (List<Command> path in current.Where(path => !HasOption(path, name)))
                {
                    yield return $"line {Line}: `finetune {Text}`: 'finetune {Name(path)}' has no option {name}";
                }
                continue;
            }
            if (!inPath || current.Any(path => path[^1].Subcommands.Count == 0))
            {
                inPath = false;
                continue;
            }
            var next = new List<List<Command>>();
            foreach (List<Command> path in current)
            {
                foreach (string alternative in token.Replace("\\|", "|", StringComparison.Ordinal).Split('|'))
                {
                    Command? sub = path[^1].Subcommands.FirstOrDefault(command => command.Name == alternative || command.Aliases.Contains(alternative));
                    if (sub is null)
                    {
                        yield return $"line {Line}: `finetune {Text}`: 'finetune {Name(path)}' has no command '{alternative}'";
                    }
                    else
                    {
                        next.Add([.. path, sub]);
                    }
                }
            }
            if (next.Count == 0)
            {
                yield break;
            }
            current = next;
        }
    }

    /// <summary>The text after <c>finetune</c> or <c>./finetune</c>, or null when the line is no finetune command.</summary>
    private static string? Command(string text)
    {
        foreach (string prefix in new[] { "./finetune ", "finetune " })
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                return text[prefix.Length..].Trim();
            }
        }
        return null;
    }

    /// <summary>The leading command words of a command line (up to its first option).</summary>
    private static string CommandPath(string text) =>
        string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries).TakeWhile(word => !word.StartsWith('-') && !word.StartsWith('[')));

    private static bool HasOption(List<Command> path, string name) =>
        path[^1].Options.Any(option => Named(option, name))
        || path.Take(path.Count - 1).Any(ancestor => ancestor.Options.Any(option => option.Recursive && Named(option, name)));

    private static bool Named(Option option, string name) => option.Name == name || option.Aliases.Contains(name);

    private static string Name(List<Command> path) => string.Join(' ', path.Skip(1).Select(command => command.Name));

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();
}
