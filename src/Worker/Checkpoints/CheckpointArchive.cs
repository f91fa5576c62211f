using System.Formats.Tar;
using System.Text;
using System.Text.Json;

namespace FineTune.Worker.Checkpoints;

/// <summary>
/// The checkpoint artifact: one POSIX (pax) tar holding a trainer checkpoint folder (<c>adapter_model.safetensors</c>,
/// <c>adapter_config.json</c>, <c>optimizer.safetensors</c>, <c>trainer_state.json</c>) flat at its root, plus
/// <c>training_log.jsonl</c> cut at the checkpoint's step, so a resumed attempt's log continues the earlier one instead
/// of starting at the resume step. Plain tar, so <c>tar -xf checkpoint-40.tar</c> inspects one by hand.
/// </summary>
public static class CheckpointArchive
{
    /// <summary>The MIME type checkpoint artifacts are stored with.</summary>
    public const string ContentType = "application/x-tar";

    /// <summary>The entry holding the training log up to the checkpoint.</summary>
    public const string TrainingLogEntry = "training_log.jsonl";

    /// <summary>The file every trainer checkpoint has; an archive without it is not a checkpoint.</summary>
    public const string TrainerStateEntry = "trainer_state.json";

    /// <summary>
    /// The two artifact names checkpoints alternate between. Writing one replaces the checkpoint before the previous
    /// one, never the latest: if the worker dies between storing an archive and recording it, the latest recorded
    /// checkpoint still has its archive. So a job keeps at most two checkpoint archives however long it trains.
    /// </summary>
    public static IReadOnlyList<string> ArtifactNames { get; } = ["checkpoint-a.tar", "checkpoint-b.tar"];

    /// <summary>The name to store the next checkpoint under, given the name of the latest one (null: none yet).</summary>
    public static string NextArtifactName(string? latest)
    {
        return latest == ArtifactNames[0] ? ArtifactNames[1] : ArtifactNames[0];
    }

    /// <summary>
    /// Writes <paramref name="checkpointFolder"/>'s files and the lines of <paramref name="trainingLog"/> (if it exists)
    /// whose step is at most <paramref name="step"/> into a tar on <paramref name="destination"/>.
    /// </summary>
    public static async Task PackAsync(string checkpointFolder, string? trainingLog, long step, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!File.Exists(Path.Combine(checkpointFolder, TrainerStateEntry)))
        {
            throw new InvalidDataException($"{checkpointFolder} is not a trainer checkpoint ({TrainerStateEntry} is missing)");
        }
        await using var writer = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        foreach (string file in Directory.EnumerateFiles(checkpointFolder).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(file);
            if (name != TrainingLogEntry)
            {
                await writer.WriteEntryAsync(file, name, cancellationToken);
            }
        }
        if (trainingLog is not null && File.Exists(trainingLog))
        {
            byte[] prefix = Encoding.UTF8.GetBytes(LogUpTo(trainingLog, step));
            using var content = new MemoryStream(prefix);
            var entry = new PaxTarEntry(TarEntryType.RegularFile, TrainingLogEntry) { DataStream = content };
            await writer.WriteEntryAsync(entry, cancellationToken);
        }
    }

    /// <summary>
    /// Extracts an archive written by <see cref="PackAsync"/> into <paramref name="folder"/> (created). Only plain files
    /// at the root are accepted; anything else, or a missing <see cref="TrainerStateEntry"/>, is
    /// <see cref="InvalidDataException"/>.
    /// </summary>
    public static async Task UnpackAsync(Stream source, string folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        Directory.CreateDirectory(folder);
        await using var reader = new TarReader(source, leaveOpen: true);
        bool hasState = false;
        try
        {
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is TarEntry entry)
            {
                string name = entry.Name;
                bool plain = entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile
                    && name.Length > 0 && name == Path.GetFileName(name) && name != "." && name != "..";
                if (!plain)
                {
                    throw new InvalidDataException($"checkpoint archive entry '{name}' ({entry.EntryType}) is not a plain file at the root");
                }
                await entry.ExtractToFileAsync(Path.Combine(folder, name), overwrite: true, cancellationToken);
                hasState |= name == TrainerStateEntry;
            }
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"checkpoint archive is corrupt: {e.Message}", e);
        }
        if (!hasState)
        {
            throw new InvalidDataException($"checkpoint archive has no {TrainerStateEntry}");
        }
    }

    /// <summary>
    /// The lines of a <c>training_log.jsonl</c> whose <c>step</c> is at most <paramref name="step"/>. Reading stops at
    /// the first line that is not complete JSON: the trainer may be writing the next step's line.
    /// </summary>
    internal static string LogUpTo(string trainingLog, long step)
    {
        var kept = new StringBuilder();
        using var stream = new FileStream(trainingLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is string line)
        {
            long? lineStep;
            try
            {
                using JsonDocument document = JsonDocument.Parse(line);
                lineStep = document.RootElement.TryGetProperty("step", out JsonElement value) && value.TryGetInt64(out long number) ? number : null;
            }
            catch (JsonException)
            {
                break;
            }
            if (lineStep > step)
            {
                break;
            }
            kept.Append(line).Append('\n');
        }
        return kept.ToString();
    }
}
