using FineTune.Cli.Commands;
using FineTune.Contracts.Events;

namespace FineTune.Cli.Tests;

public class TrainProgressTests
{
    [Theory]
    [InlineData(0.02, "0.02")]
    [InlineData(0.0145, "0.0145")]
    [InlineData(0.000141, "0.000141")]
    [InlineData(6.29e-05, "6.29e-05")]
    [InlineData(1.5e-5, "1.5e-05")]
    public void LearningRateText_IsThreeDigitsWithPythonsExponent(double rate, string expected) =>
        Assert.Equal(expected, TrainProgress.LearningRateText(rate));

    [Fact]
    public void OnStep_WithoutATerminal_WritesOneLineWithTheRate()
    {
        var output = new StringWriter();
        var progress = new TrainProgress(output, json: false);

        progress.OnStep(new StepReport(Step: 56, TotalSteps: 57, Loss: 5.4715, LearningRate: 6.29e-05, GradNorm: 1, Tokens: 18, TokensSeen: 1000, ElapsedSeconds: 2, MicroBatchSize: 8));

        Assert.Contains(" 56/57 loss 5.4715 lr 6.29e-05 500 tok/s ", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void OnCheckpoint_WithRetention_TellsAPersonWhichCheckpointItRemoved()
    {
        string run = Directory.CreateTempSubdirectory("finetune-progress-").FullName;
        try
        {
            string older = Directory.CreateDirectory(Path.Combine(run, "checkpoint-2")).FullName;
            Directory.SetLastWriteTimeUtc(older, DateTime.UtcNow.AddMinutes(-5));
            string latest = Directory.CreateDirectory(Path.Combine(run, "checkpoint-4")).FullName;
            var text = new StringWriter();

            new TrainProgress(text, json: false, new CheckpointRetention(1)).OnCheckpoint(4, latest);

            string[] lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal($"removed {older} (--keep-checkpoints 1)", lines[^1]);
            Assert.False(Directory.Exists(older));
        }
        finally
        {
            Directory.Delete(run, recursive: true);
        }
    }

    [Fact]
    public void OnCheckpoint_TellsAPersonTheFolderToResumeFrom_AndJsonTheSameEventAsBefore()
    {
        var text = new StringWriter();
        var json = new StringWriter();
        string folder = Path.Combine(Path.GetTempPath(), "run", "checkpoint-5");

        new TrainProgress(text, json: false).OnCheckpoint(5, folder);
        new TrainProgress(json, json: true).OnCheckpoint(5, folder);

        Assert.Equal($"checkpoint after step 5: {folder} (--resume continues from it)", text.ToString().Trim());
        Assert.Contains("\"type\":\"checkpoint\"", json.ToString(), StringComparison.Ordinal);
        Assert.Contains("checkpoint-5", json.ToString(), StringComparison.Ordinal);
    }
}
