using FineTune.Cli.Commands;

namespace FineTune.Cli.Tests;

public sealed class CheckpointRetentionTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("finetune-retention-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    private string Checkpoint(string name, int minutesAgo)
    {
        string path = Path.Combine(_out, name);
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "adapter_model.safetensors"), "x");
        Directory.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-minutesAgo));
        return path;
    }

    private string[] Left() => Directory.GetDirectories(_out).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void Prune_KeepsTheNWrittenLast_AndTouchesNothingElse()
    {
        Checkpoint("checkpoint-2", 30);
        Checkpoint("checkpoint-4", 20);
        Checkpoint("checkpoint-best", 25);
        Directory.CreateDirectory(Path.Combine(_out, "merged"));
        string latest = Checkpoint("checkpoint-6", 0);

        IReadOnlyList<string> removed = new CheckpointRetention(2).Prune(latest);

        Assert.Equal([Path.Combine(_out, "checkpoint-2")], removed);
        Assert.Equal(["checkpoint-4", "checkpoint-6", "checkpoint-best", "merged"], Left());
    }

    [Fact]
    public void Prune_AfterAResumeIntoTheSameFolder_RanksByWhenWrittenNotByStep()
    {
        // A run wrote 10 then 20; a new run resumed from 10 and has just written 12: 20 is older than 12.
        Checkpoint("checkpoint-10", 30);
        Checkpoint("checkpoint-20", 20);
        string latest = Checkpoint("checkpoint-12", 0);

        IReadOnlyList<string> removed = new CheckpointRetention(1).Prune(latest);

        Assert.Equal(2, removed.Count);
        Assert.Equal(["checkpoint-12"], Left());
    }

    [Fact]
    public void Prune_AlwaysKeepsTheCheckpointJustWritten_EvenWithAnOlderTimestamp()
    {
        Checkpoint("checkpoint-3", 0);
        string latest = Checkpoint("checkpoint-6", 60);

        new CheckpointRetention(1).Prune(latest);

        Assert.Equal(["checkpoint-6"], Left());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void KeepBelowOne_IsRefusedNamingTheFlag(int keep)
    {
        var error = Assert.Throws<ArgumentException>(() => new CheckpointRetention(keep));
        Assert.StartsWith("--keep-checkpoints: ", error.Message, StringComparison.Ordinal);
    }
}
