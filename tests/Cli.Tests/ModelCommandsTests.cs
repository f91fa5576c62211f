using System.Text.Json;
using FineTune.Testing;

namespace FineTune.Cli.Tests;

public sealed class ModelCommandsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "finetune-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void Generate_GreedyJson_PrintsTextIdsAndSpeed()
    {
        CliRun run = CliRun.Invoke("generate", "--model", RepoPaths.Model("tinystories-656k"), "--greedy", "--max-new-tokens", "12", "--json");

        Assert.Equal(0, run.ExitCode);
        using JsonDocument result = JsonDocument.Parse(run.Output);
        int[] ids = result.RootElement.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal([147, 201, 282, 215, 286, 598, 1662, 356, 499, 826, 1363, 1145], ids);
        Assert.StartsWith("Once upon a time, there was a little girl named Lily.", result.RootElement.GetProperty("text").GetString());
        Assert.True(result.RootElement.GetProperty("tokens_per_second").GetDouble() > 0);
    }

    [Fact]
    public void Generate_MissingModelFolder_IsOneReadableError()
    {
        CliRun run = CliRun.Invoke("generate", "--model", _folder);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Tokenize_EncodeAndDecode_RoundTrip()
    {
        string tokenizer = RepoPaths.Model("tinystories-656k");

        CliRun encoded = CliRun.Invoke("tokenize", "--tokenizer", tokenizer, "--json", "Once upon a time");
        using JsonDocument ids = JsonDocument.Parse(encoded.Output);
        string list = string.Join(",", ids.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        CliRun decoded = CliRun.Invoke("tokenize", "--tokenizer", tokenizer, "--decode", list);

        Assert.Equal("1,80,147,201,282,57", list);
        Assert.Equal("<|start_story|> Once upon a time", decoded.Output.Trim());
        CliRun bad = CliRun.Invoke("tokenize", "--tokenizer", tokenizer, "--decode", "1,x");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("'x'", bad.Error);
    }

    [Fact]
    public void InitModel_Tiny_WritesALoadableModelThatGenerates()
    {
        CliRun init = CliRun.Invoke("init-model", "--config", "tiny", "--out", _folder, "--json");
        CliRun again = CliRun.Invoke("init-model", "--config", "tiny", "--out", _folder, "--json");
        CliRun generated = CliRun.Invoke("generate", "--model", _folder, "--max-new-tokens", "5", "--json");

        Assert.Equal(0, init.ExitCode);
        Assert.Equal(0, again.ExitCode);
        using JsonDocument info = JsonDocument.Parse(init.Output);
        Assert.Equal(222_016, info.RootElement.GetProperty("parameters").GetInt64());
        Assert.True(File.Exists(Path.Combine(_folder, "tokenizer.json")));
        Assert.Equal(0, generated.ExitCode);
    }

    [Fact]
    public void InitModel_UnknownPreset_NamesTheChoices()
    {
        CliRun run = CliRun.Invoke("init-model", "--config", "gpt-5", "--out", _folder);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("llama-3.1-8b", run.Error);
    }

    [Fact]
    public void Generate_WithTrainedAdapterAndChat_RunsAndStops()
    {
        string data = Path.Combine(RepoPaths.SharedAssets, "datasets", "alpaca-en-demo", "identity.json");
        string adapter = Path.Combine(_folder, "adapter");
        Assert.Equal(0, CliRun.Invoke("train", "--model", RepoPaths.Model("tinystories-656k"), "--data", data, "--out", adapter, "--steps", "2", "--max-seq-len", "128").ExitCode);

        CliRun run = CliRun.Invoke("generate", "--model", RepoPaths.Model("tinystories-656k"), "--adapter", adapter, "--chat", "--prompt", "Who are you?", "--max-new-tokens", "8", "--greedy", "--json");
        CliRun missing = CliRun.Invoke("generate", "--model", RepoPaths.Model("tinystories-656k"), "--adapter", Path.Combine(_folder, "nope"));

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument result = JsonDocument.Parse(run.Output);
        Assert.InRange(result.RootElement.GetProperty("token_ids").GetArrayLength(), 1, 8);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("adapter_config.json", missing.Error);
    }
}
