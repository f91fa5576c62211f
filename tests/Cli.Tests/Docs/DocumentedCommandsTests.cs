using FineTune.Testing;

namespace FineTune.Cli.Tests.Docs;

/// <summary>
/// Every <c>finetune ...</c> command line that README.md, docs/*.md and src/*/README.md show exists in the CLI's
/// command tree with the options shown, so a renamed or removed command or option cannot leave the docs stale.
/// </summary>
public sealed class DocumentedCommandsTests
{
    public static TheoryData<string> Documents()
    {
        var documents = new TheoryData<string>("README.md");
        foreach (string file in Directory.GetFiles(Path.Combine(RepoPaths.RepoRoot, "docs"), "*.md")
            .Concat(Directory.GetFiles(Path.Combine(RepoPaths.RepoRoot, "src"), "README.md", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal))
        {
            documents.Add(Path.GetRelativePath(RepoPaths.RepoRoot, file));
        }
        return documents;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void EveryCommandShown_ExistsWithTheOptionsShown(string document)
    {
        var root = CliApp.CreateRoot(TextWriter.Null);

        string[] problems = CommandLineExample.Find(File.ReadAllText(Path.Combine(RepoPaths.RepoRoot, document)))
            .SelectMany(example => example.Check(root))
            .ToArray();

        Assert.True(problems.Length == 0, $"{document}:\n{string.Join('\n', problems)}");
    }

    [Fact]
    public void Readme_ShowsTheCommandTableAndItsContinuations()
    {
        string[] shown = CommandLineExample.Find(File.ReadAllText(Path.Combine(RepoPaths.RepoRoot, "README.md")))
            .Select(example => example.Text)
            .ToArray();

        Assert.Contains("keys create --tenant NAME", shown);
        Assert.Contains("keys create --admin", shown);
        Assert.Contains(shown, text => text.StartsWith("tokenize --decode", StringComparison.Ordinal));
        Assert.Contains(shown, text => text.StartsWith("jobs submit\\|watch", StringComparison.Ordinal));
        Assert.True(shown.Length >= 15, $"only {shown.Length} command lines found in README.md");
    }

    [Theory]
    [InlineData("`./finetune jobs follow ID`", "has no command 'follow'")]
    [InlineData("| `./finetune bench ops\\|gemm [--json]` |", "'finetune bench' has no command 'gemm'")]
    [InlineData("`./finetune serve --port 80`", "'finetune serve' has no option --port")]
    [InlineData("`./finetune tokenize --tokenizer DIR` / `--encode`", "'finetune tokenize' has no option --encode")]
    public void StaleCommandLine_IsReported(string markdown, string expected)
    {
        var root = CliApp.CreateRoot(TextWriter.Null);

        string problem = Assert.Single(CommandLineExample.Find(markdown).SelectMany(example => example.Check(root)));

        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }
}
