namespace FineTune.Cli.Tests.Deployment;

/// <summary>One build stage of a Dockerfile: its base (an image or an earlier stage), name and instructions.</summary>
internal sealed record DockerStage(string Base, string? Name, IReadOnlyList<(string Keyword, string Arguments)> Instructions)
{
    /// <summary>The arguments of every instruction with this keyword (FROM, RUN, COPY, ENTRYPOINT, ...).</summary>
    public IEnumerable<string> All(string keyword) =>
        Instructions.Where(instruction => instruction.Keyword == keyword).Select(instruction => instruction.Arguments);

    /// <summary>The images that <c>COPY --from=</c> names (not earlier stages: those are resolved by the caller).</summary>
    public IEnumerable<string> CopySources() =>
        All("COPY").Select(arguments => arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .SelectMany(words => words.Where(word => word.StartsWith("--from=", StringComparison.Ordinal)))
            .Select(word => word["--from=".Length..]);
}

/// <summary>
/// A Dockerfile read as Docker reads it, enough for static checks: comments dropped, backslash continuations joined,
/// one <see cref="DockerStage"/> per FROM.
/// </summary>
internal sealed class DockerfileModel
{
    private DockerfileModel(IReadOnlyList<DockerStage> stages) => Stages = stages;

    public IReadOnlyList<DockerStage> Stages { get; }

    public static DockerfileModel Read(string path)
    {
        var stages = new List<DockerStage>();
        List<(string, string)>? instructions = null;
        foreach (string line in LogicalLines(File.ReadAllLines(path)))
        {
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            string keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
            string arguments = space < 0 ? "" : line[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                string[] words = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                string? name = words.Length == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null;
                instructions = [];
                stages.Add(new DockerStage(words[0], name, instructions));
            }
            instructions?.Add((keyword, arguments));
        }
        return new DockerfileModel(stages);
    }

    /// <summary>The stage named so, or null.</summary>
    public DockerStage? Stage(string name) => Stages.FirstOrDefault(stage => stage.Name == name);

    /// <summary>The image a stage finally starts from, following FROM through earlier stages.</summary>
    public string RootImage(DockerStage stage) => Stage(stage.Base) is DockerStage parent ? RootImage(parent) : stage.Base;

    /// <summary>The stage and every earlier stage it is built FROM, nearest first.</summary>
    public IEnumerable<DockerStage> Lineage(DockerStage stage)
    {
        for (DockerStage? current = stage; current is not null; current = Stage(current.Base))
        {
            yield return current;
        }
    }

    /// <summary>Every external image the file pulls: stage bases and <c>COPY --from=</c> images that are not stages.</summary>
    public IEnumerable<string> ExternalImages() =>
        Stages.Select(stage => stage.Base).Concat(Stages.SelectMany(stage => stage.CopySources()))
            .Where(reference => Stage(reference) is null)
            .Distinct();

    private static IEnumerable<string> LogicalLines(IEnumerable<string> lines)
    {
        string pending = "";
        foreach (string raw in lines)
        {
            string line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
            {
                continue;
            }
            if (line.EndsWith('\\'))
            {
                pending += line[..^1].TrimEnd() + " ";
                continue;
            }
            string whole = pending + line;
            pending = "";
            if (whole.Length > 0)
            {
                yield return whole;
            }
        }
    }
}
