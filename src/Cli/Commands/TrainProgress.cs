using System.Globalization;
using System.Text.Json;
using FineTune.Contracts.Events;

namespace FineTune.Cli.Commands;

/// <summary>Shows training progress: a one-line bar on a terminal, or one JSON object per line with --json.</summary>
internal sealed class TrainProgress(TextWriter output, bool json, CheckpointRetention? retention = null) : ITrainingCallbacks
{
    private readonly bool _terminal = !json && !Console.IsOutputRedirected && ReferenceEquals(output, Console.Out);

    public void OnStep(StepReport r)
    {
        double tokensPerSecond = r.ElapsedSeconds > 0 ? r.TokensSeen / r.ElapsedSeconds : 0;
        if (json)
        {
            // An empty Poisson batch has no gradient: its norm and clipped fraction are null rather than "NaN".
            Write(new { type = "step", step = r.Step, total_steps = r.TotalSteps, loss = r.Loss, lr = r.LearningRate, grad_norm = Finite(r.GradNorm), clipped_fraction = r.ClippedFraction is double clipped ? Finite(clipped) : null, tokens_per_second = tokensPerSecond, elapsed_seconds = r.ElapsedSeconds, epsilon = r.Epsilon, micro_batch_size = r.MicroBatchSize });
            return;
        }
        double eta = r.Step > 0 ? r.ElapsedSeconds / r.Step * (r.TotalSteps - r.Step) : 0;
        int width = 30;
        int filled = (int)(width * r.Step / Math.Max(1, r.TotalSteps));
        string privacy = r.Epsilon is double epsilon ? $" eps {epsilon:F3}" : "";
        string line = $"[{new string('#', filled)}{new string('.', width - filled)}] {r.Step}/{r.TotalSteps} loss {r.Loss:F4} lr {LearningRateText(r.LearningRate)}{privacy} {tokensPerSecond:F0} tok/s ETA {TimeSpan.FromSeconds(eta):hh\\:mm\\:ss}";
        if (_terminal)
        {
            output.Write("\r" + line);
        }
        else
        {
            output.WriteLine(line);
        }
    }

    /// <summary>Three significant digits, as Python prints small rates (6.29e-05, not .NET's 6.29E-05; 0.0145 as is).</summary>
    internal static string LearningRateText(double rate) =>
        rate.ToString("G3", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    public void OnEval(EvalReport report)
    {
        if (json)
        {
            Write(new { type = "eval", step = report.Step, loss = report.Loss });
            return;
        }
        output.WriteLine($"{(_terminal ? "\n" : "")}eval after step {report.Step}: loss {report.Loss:F4}");
    }

    // In JSON a checkpoint and the final outputs print the same line, as they did when both came through OnSave; a person
    // is told where each checkpoint is, since that is the folder --resume takes.
    public void OnCheckpoint(long step, string folder)
    {
        if (json)
        {
            OnSave(folder);
        }
        else
        {
            output.WriteLine($"{(_terminal ? "\n" : "")}checkpoint after step {step}: {Path.GetFullPath(folder)} (--resume continues from it)");
        }
        foreach (string removed in retention?.Prune(folder) ?? [])
        {
            if (json)
            {
                Write(new { type = "checkpoint_removed", path = removed });
            }
            else
            {
                output.WriteLine($"removed {removed} (--keep-checkpoints {retention!.Keep})");
            }
        }
    }

    public void OnSave(string path)
    {
        if (json)
        {
            Write(new { type = "checkpoint", path = Path.GetFullPath(path) });
        }
    }

    public void OnWarning(string message)
    {
        if (json)
        {
            Write(new { type = "warning", message });
            return;
        }
        output.WriteLine($"{(_terminal ? "\n" : "")}warning: {message}");
    }

    public void WriteResult(TrainingResult result, string outputDir)
    {
        if (json)
        {
            Write(new { type = "result", completed = result.Completed, stop_reason = result.StopReason, steps = result.Steps, final_loss = result.FinalLoss, tokens_seen = result.TokensSeen, elapsed_seconds = result.ElapsedSeconds, tokens_per_second = result.TokensPerSecond, privacy = result.Privacy, audit = result.Audit, output = Path.GetFullPath(outputDir) });
            return;
        }
        output.WriteLine($"{(_terminal ? "\n" : "")}{result.StopReason.ToWireName()}: {result.Steps} steps, final loss {result.FinalLoss:F4}, {result.TokensPerSecond:F0} tok/s; adapter in {Path.GetFullPath(outputDir)}");
        if (result.Audit is { } audit)
        {
            string accountant = result.Privacy is { } privacy ? $"; the accountant's epsilon is {privacy.Epsilon:G4} at delta {privacy.Delta:G3}" : "; DP is off";
            output.WriteLine($"privacy audit: epsilon >= {audit.EpsilonLowerBound:G4} at {audit.Confidence:P0} confidence ({audit.Correct} of {audit.Guesses} membership guesses right, {audit.Canaries} canaries){accountant}");
        }
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private void Write(object value) => output.WriteLine(JsonSerializer.Serialize(value, CliJson.Compact));
}
