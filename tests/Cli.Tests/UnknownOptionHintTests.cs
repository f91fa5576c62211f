namespace FineTune.Cli.Tests;

public class UnknownOptionHintTests
{
    private static readonly string[] s_trainOptions = ["--model", "--data", "--out", "--steps", "--epochs", "--lr", "--lr-schedule", "--batch-size", "--grad-accum", "--max-seq-len", "--lora-r", "--save-every", "--json"];

    [Theory]
    [InlineData("max-steps", "--steps")]
    [InlineData("num-train-epochs", "--epochs")]
    [InlineData("per-device-train-batch-size", "--batch-size")]
    [InlineData("learning-rate", "--lr")]
    [InlineData("lr-scheduler-type", "--lr-schedule")]
    [InlineData("output-dir", "--out")]
    [InlineData("model-name-or-path", "--model")]
    [InlineData("gradient-accumulation-steps", "--grad-accum")]
    [InlineData("max-seq-length", "--max-seq-len")]
    [InlineData("lora-rank", "--lora-r")]
    [InlineData("save-steps", "--save-every")]
    [InlineData("frobnicate", null)]
    [InlineData("max", null)]
    public void Suggest_NamesTheOptionMeant(string given, string? expected) =>
        Assert.Equal(expected, UnknownOptionHint.Suggest(given, s_trainOptions));

    [Fact]
    public void Suggest_NeverNamesAnOptionTheCommandLacks() =>
        Assert.Null(UnknownOptionHint.Suggest("learning-rate", ["--model", "--out"]));

    [Fact]
    public void Train_WithHuggingFacesOptionNames_ExitsWithOneLineNamingOurs()
    {
        CliRun run = CliRun.Invoke("train", "--model", "m", "--data", "d.jsonl", "--out", "o", "--max-steps", "20", "--learning_rate=1e-4");

        Assert.Equal(2, run.ExitCode);
        string line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("error: 'finetune train' has no option --max-steps: did you mean --steps? (see finetune train --help)", line);
    }

    [Fact]
    public void JobsSubmit_UnknownOptionWithoutALikelyMeaning_KeepsTheParsersMessage()
    {
        CliRun run = CliRun.Invoke("jobs", "submit", "--frobnicate");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--frobnicate", run.Error);
        Assert.Contains("(see finetune --help)", run.Error);
    }
}
