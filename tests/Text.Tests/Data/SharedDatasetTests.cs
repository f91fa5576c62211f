using System.Text.Json;
using FineTune.Testing;
using FineTune.Text.Data;

namespace FineTune.Text.Tests.Data;

/// <summary>The real instruction-tuning files in <c>&lt;repo&gt;/../shared/assets/datasets/alpaca-en-demo</c>.</summary>
public sealed class SharedDatasetTests
{
    private static readonly Lazy<string> s_directory = new(FindDatasetDirectory);

    [Fact]
    public void ReadFile_AlpacaEnDemo_Gives999AlpacaExamples()
    {
        DatasetReadResult result = DatasetReader.ReadFile(PathOf("alpaca_en_demo.json"));

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal((DatasetContainer.JsonArray, DatasetFormat.Alpaca), (result.Container, result.Format));
        Assert.Equal((999, 999, 859_893L), (result.ExampleCount, result.RecordCount, result.ByteCount));
        using JsonDocument source = JsonDocument.Parse(File.ReadAllBytes(PathOf("alpaca_en_demo.json")));
        int withInput = 0;
        foreach ((JsonElement record, TrainingExample example) in source.RootElement.EnumerateArray().Zip(result.Examples))
        {
            string input = record.GetProperty("input").GetString()!;
            string user = record.GetProperty("instruction").GetString() + (input.Length > 0 ? "\n\n" + input : string.Empty);
            withInput += input.Length > 0 ? 1 : 0;
            Assert.Equal(
                [new ChatMessage(ChatRole.User, user), new ChatMessage(ChatRole.Assistant, record.GetProperty("output").GetString()!)],
                example.Messages);
        }

        Assert.Equal(412, withInput);
        TrainingExample first = result.Examples[0];
        Assert.Equal((2, 0), (first.Line, first.RecordIndex));
        Assert.Equal(new ChatMessage(ChatRole.User, "Describe a process of making crepes."), first.Messages[0]);
        Assert.StartsWith("Making crepes is an easy and delicious process!", first.Messages[1].Content, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_Identity_Gives91AlpacaExamplesWithPlaceholders()
    {
        DatasetReadResult result = DatasetReader.ReadFile(PathOf("identity.json"));

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal((DatasetFormat.Alpaca, 91), (result.Format, result.ExampleCount));
        Assert.Equal("hi", result.Examples[0].Messages[0].Content);
        Assert.Contains("{{name}}", result.Examples[0].Messages[1].Content, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_GlaiveToolCalls_Gives300ShareGptExamplesWithToolTurns()
    {
        DatasetReadResult result = DatasetReader.ReadFile(PathOf("glaive_toolcall_en_demo.json"));

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal((DatasetFormat.ShareGpt, 300), (result.Format, result.ExampleCount));
        List<ChatMessage> messages = [.. result.Examples.SelectMany(example => example.Messages)];
        Assert.Equal(746, messages.Count(message => message.Role == ChatRole.User));
        Assert.Equal(746 + 211, messages.Count(message => message.Role == ChatRole.Assistant));
        Assert.Equal(211, messages.Count(message => message.ToolCalls is not null));
        Assert.Equal(211, messages.Count(message => message.Role == ChatRole.Tool));
        Assert.Equal(300 - 109, result.Examples.Count(example => example.Tools is not null));
        ChatMessage call = result.Examples[0].Messages[3];
        Assert.Equal(
            """[{"name":"search_recipes","arguments":{"ingredients":["chicken","bell peppers","rice"]}}]""",
            call.ToolCalls);
        Assert.StartsWith("""[{"name":"search_recipes","description":""", result.Examples[0].Tools, StringComparison.Ordinal);
    }

    /// <summary>
    /// The Self-Instruct seed tasks keep their outputs in a nested <c>instances</c> array, which is not Alpaca (no
    /// top-level <c>output</c>) and not a flat tabular row. Guessing would train on the wrong thing, so detection
    /// refuses with an explanation, and the user can name a format: as tabular each task is one JSON line of text.
    /// </summary>
    [Fact]
    public void ReadFile_StanfordSeedTasks_RefusesToGuessAndReadsAsExplicitTabular()
    {
        string path = PathOf("stanford_alpaca_seed_tasks.jsonl");

        DatasetReadResult detected = DatasetReader.ReadFile(path);
        DatasetReadResult tabular = DatasetReader.ReadFile(path, new DatasetReadOptions { Format = DatasetFormat.Tabular });

        DatasetError error = Assert.Single(detected.Errors);
        Assert.Equal((1, 0), (error.Line, error.RecordIndex));
        Assert.Equal(
            "cannot detect the format from the record's fields (id, name, instruction, instances, is_classification): "
            + "it has 'instruction' but no 'output' (alpaca needs both); 'instances' holds an array, so it is not a flat "
            + "tabular row; name the format explicitly (messages, sharegpt, alpaca, prompt_completion, text, tabular)",
            error.Message);
        Assert.Equal(175, detected.RecordCount);
        Assert.True(tabular.IsValid, string.Join("; ", tabular.Errors));
        Assert.Equal((175, 175), (tabular.ExampleCount, tabular.LineCount));
        Assert.StartsWith("{\"id\":\"seed_task_0\",\"name\":\"breakfast_suggestion\",\"instruction\":\"Is there anything I can eat for a breakfast that doesn't include eggs", tabular.Examples[0].Text, StringComparison.Ordinal);
        Assert.EndsWith("\"is_classification\":false}", tabular.Examples[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_AlpacaEnDemo_HoldsOutTenPercentReproducibly()
    {
        DatasetReadResult result = DatasetReader.ReadFile(PathOf("alpaca_en_demo.json"));

        DatasetSplit split = DatasetSplit.Split(result.Examples, 0.1, seed: 1234);

        Assert.Equal((899, 100), (split.Train.Count, split.Validation.Count));
        Assert.Equal(split.Validation, DatasetSplit.Split(result.Examples, 0.1, seed: 1234).Validation);
    }

    private static string PathOf(string name) => Path.Combine(s_directory.Value, name);

    private static string FindDatasetDirectory() => RepoPaths.Asset(Path.Combine("datasets", "alpaca-en-demo"));
}
