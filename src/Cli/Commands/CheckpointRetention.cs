using System.Globalization;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune train --keep-checkpoints N</c>: after each checkpoint, the output folder keeps the N checkpoint-STEP
/// folders written last and removes the rest (Hugging Face's <c>save_total_limit</c>). Without it every checkpoint
/// stays, up to 20 epoch checkpoints besides <c>--save-every</c>'s; the worker keeps two archives of its own.
/// </summary>
internal sealed class CheckpointRetention
{
    private const string Prefix = "checkpoint-";

    public CheckpointRetention(int keep)
    {
        if (keep < 1)
        {
            throw new ArgumentException($"--keep-checkpoints: {keep} would remove the checkpoint just written; give 1 or more");
        }
        Keep = keep;
    }

    public int Keep { get; }

    /// <summary>
    /// Removes the checkpoints beyond <see cref="Keep"/> beside <paramref name="latest"/>, which is always kept; the
    /// others are ranked by when they were written (then by step), not by step alone, since a run resumed into the
    /// same folder can write a lower step after a higher one. Returns the folders removed. Only folders named
    /// checkpoint-STEP are touched.
    /// </summary>
    public IReadOnlyList<string> Prune(string latest)
    {
        string latestPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(latest));
        string folder = Path.GetDirectoryName(latestPath)!;
        List<string> older = Directory.EnumerateDirectories(folder, Prefix + "*")
            .Where(path => IsCheckpointName(Path.GetFileName(path)) && !string.Equals(path, latestPath, StringComparison.Ordinal))
            .OrderByDescending(Directory.GetLastWriteTimeUtc)
            .ThenByDescending(path => long.Parse(Path.GetFileName(path)[Prefix.Length..], CultureInfo.InvariantCulture))
            .ToList();
        List<string> removed = older.Skip(Keep - 1).ToList();
        foreach (string path in removed)
        {
            Directory.Delete(path, recursive: true);
        }
        return removed;
    }

    private static bool IsCheckpointName(string name) =>
        name.Length > Prefix.Length && name[Prefix.Length..].All(char.IsAsciiDigit) && name.Length - Prefix.Length <= 18;
}
