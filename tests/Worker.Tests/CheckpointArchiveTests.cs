using System.Formats.Tar;
using System.Text;
using FineTune.Worker.Checkpoints;

namespace FineTune.Worker.Tests;

public sealed class CheckpointArchiveTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "finetune-archive-" + Guid.NewGuid().ToString("N")[..12]);

    public CheckpointArchiveTests()
    {
        Directory.CreateDirectory(_root);
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task PackAsync_ThenUnpackAsync_RestoresEveryFileAndTheLogUpToTheStep()
    {
        string checkpoint = Path.Combine(_root, "checkpoint-2");
        Directory.CreateDirectory(checkpoint);
        await File.WriteAllBytesAsync(Path.Combine(checkpoint, "adapter_model.safetensors"), [1, 2, 3, 255]);
        await File.WriteAllTextAsync(Path.Combine(checkpoint, "trainer_state.json"), "{\"step\": 2}");
        string log = Path.Combine(_root, "training_log.jsonl");
        // Step 3's line is half written, as when the trainer is mid-step.
        await File.WriteAllTextAsync(log, "{\"type\":\"step\",\"step\":1}\n{\"type\":\"step\",\"step\":2}\n{\"type\":\"eval\",\"step\":2}\n{\"type\":\"step\",\"st");
        using var archive = new MemoryStream();

        await CheckpointArchive.PackAsync(checkpoint, log, 2, archive, CancellationToken.None);
        archive.Position = 0;
        string restored = Path.Combine(_root, "restored");
        await CheckpointArchive.UnpackAsync(archive, restored, CancellationToken.None);

        Assert.Equal([1, 2, 3, 255], await File.ReadAllBytesAsync(Path.Combine(restored, "adapter_model.safetensors")));
        Assert.Equal("{\"step\": 2}", await File.ReadAllTextAsync(Path.Combine(restored, "trainer_state.json")));
        Assert.Equal(
            "{\"type\":\"step\",\"step\":1}\n{\"type\":\"step\",\"step\":2}\n{\"type\":\"eval\",\"step\":2}\n",
            await File.ReadAllTextAsync(Path.Combine(restored, CheckpointArchive.TrainingLogEntry)));
    }

    [Fact]
    public void LogUpTo_StopsAtTheFirstLaterStep()
    {
        string log = Path.Combine(_root, "training_log.jsonl");
        File.WriteAllText(log, "{\"type\":\"step\",\"step\":1}\n{\"type\":\"step\",\"step\":2}\n{\"type\":\"step\",\"step\":3}\n");

        Assert.Equal("{\"type\":\"step\",\"step\":1}\n", CheckpointArchive.LogUpTo(log, 1));
    }

    [Fact]
    public async Task UnpackAsync_EntryOutsideTheFolder_IsRefused()
    {
        using var archive = new MemoryStream();
        await using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "../evil.txt") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes("x")) };
            await writer.WriteEntryAsync(entry);
        }
        archive.Position = 0;

        await Assert.ThrowsAsync<InvalidDataException>(() => CheckpointArchive.UnpackAsync(archive, Path.Combine(_root, "out"), CancellationToken.None));
        Assert.False(File.Exists(Path.Combine(_root, "evil.txt")));
    }

    [Fact]
    public async Task UnpackAsync_WithoutTrainerState_IsRefused()
    {
        using var archive = new MemoryStream();
        await using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "adapter_model.safetensors") { DataStream = new MemoryStream([1]) };
            await writer.WriteEntryAsync(entry);
        }
        archive.Position = 0;

        InvalidDataException error = await Assert.ThrowsAsync<InvalidDataException>(() => CheckpointArchive.UnpackAsync(archive, Path.Combine(_root, "out"), CancellationToken.None));
        Assert.Contains(CheckpointArchive.TrainerStateEntry, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnpackAsync_NotATar_IsInvalidData()
    {
        using var garbage = new MemoryStream(Encoding.UTF8.GetBytes(new string('x', 2048)));

        await Assert.ThrowsAsync<InvalidDataException>(() => CheckpointArchive.UnpackAsync(garbage, Path.Combine(_root, "out"), CancellationToken.None));
    }

    [Fact]
    public void NextArtifactName_AlternatesBetweenTwoNames()
    {
        string first = CheckpointArchive.NextArtifactName(null);
        string second = CheckpointArchive.NextArtifactName(first);

        Assert.NotEqual(first, second);
        Assert.Equal(first, CheckpointArchive.NextArtifactName(second));
        Assert.Equal(CheckpointArchive.ArtifactNames[0], CheckpointArchive.NextArtifactName("checkpoint-40.tar"));
    }
}
