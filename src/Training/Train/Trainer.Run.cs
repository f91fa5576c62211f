using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Events;
using FineTune.Training.Lora;

namespace FineTune.Training.Train;

/// <summary>The run loop around <see cref="Step"/>: logging, evaluation, checkpoints, the final adapter and result.</summary>
public sealed partial class Trainer
{
    // An empty Poisson batch has no loss: it is logged as "NaN" rather than faked.
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
    private static readonly JsonSerializerOptions s_jsonLine = new(s_json) { WriteIndented = false };

    /// <summary>
    /// Trains to <see cref="TotalSteps"/> (or until cancelled), writing <c>training_log.jsonl</c>, checkpoints,
    /// <c>adapter_model.safetensors</c> + <c>adapter_config.json</c> and <c>result.json</c> into outputDir.
    /// </summary>
    public TrainingResult Run(string outputDir, string baseModelNameOrPath, string? resumeFrom = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(outputDir);
        try
        {
            // The adapters are still fresh here, even when resuming: this is the initial model the audit compares with.
            ScoreCanariesBeforeTraining();
            if (resumeFrom is not null)
            {
                LoadCheckpoint(resumeFrom);
            }
            StopReason stopReason = StopReason.MaxSteps;
            using (var log = new StreamWriter(Path.Combine(outputDir, "training_log.jsonl"), append: resumeFrom is not null))
            {
                long lastEval = -1;
                while (StepsDone < TotalSteps)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        stopReason = StopReason.Cancelled;
                        // A cancelled run (a user's cancel, or a worker shutting down) keeps its progress: the next
                        // attempt resumes here instead of at the last periodic checkpoint.
                        if (StepsDone > 0 && !Checkpoints.IsDue(StepsDone))
                        {
                            Callbacks.OnCheckpoint(StepsDone, SaveCheckpoint(Path.Combine(outputDir, $"checkpoint-{StepsDone}"), baseModelNameOrPath));
                        }
                        break;
                    }
                    if (PrivacyBudgetExhausted)
                    {
                        stopReason = StopReason.PrivacyBudget;
                        break;
                    }
                    StepReport report = Step();
                    log.WriteLine(JsonSerializer.Serialize(new { type = "step", report.Step, report.Loss, report.LearningRate, report.GradNorm, report.ClippedFraction, report.Tokens, report.TokensSeen, report.ElapsedSeconds, report.Epsilon }, s_jsonLine));
                    if (_config.EvalEvery > 0 && StepsDone % _config.EvalEvery == 0 && _validation.Count > 0)
                    {
                        RecordEval(log);
                        lastEval = StepsDone;
                    }
                    if (Checkpoints.IsDue(StepsDone))
                    {
                        string checkpoint = SaveCheckpoint(Path.Combine(outputDir, $"checkpoint-{StepsDone}"), baseModelNameOrPath);
                        Callbacks.OnCheckpoint(StepsDone, checkpoint);
                    }
                    log.Flush();
                }
                if (_validation.Count > 0 && lastEval != StepsDone && StepsDone > 0)
                {
                    RecordEval(log);
                }
            }
            PeftAdapter.Save(_lora, outputDir, baseModelNameOrPath);
            Callbacks.OnSave(outputDir);
            bool completed = stopReason.IsCompleted();
            var result = new TrainingResult
            {
                Completed = completed,
                StopReason = stopReason,
                Steps = StepsDone,
                FinalLoss = _lossHistory.Count > 0 ? _lossHistory[^1] : double.NaN,
                LossHistory = _lossHistory.ToList(),
                EvalLosses = _evalLosses.ToList(),
                TokensSeen = _tokensSeen,
                ElapsedSeconds = ElapsedSeconds,
                TrainableParameters = _lora.TrainableParameterCount,
                Privacy = ReportPrivacy(),
                // A cancelled run resumes later: its canaries are audited when it completes.
                Audit = completed ? Audit() : null,
            };
            WriteJsonAtomically(Path.Combine(outputDir, "result.json"), ResultJson(result));
            if (PrivacyJson(result) is { } privacy)
            {
                // Beside adapter_config.json, so the guarantee (and what the audit measured) travels with the adapter.
                WriteJsonAtomically(Path.Combine(outputDir, "privacy.json"), privacy);
            }
            Callbacks.OnComplete(result);
            return result;
        }
        catch (Exception e)
        {
            Callbacks.OnError(e);
            throw;
        }
    }

    private void RecordEval(StreamWriter log)
    {
        var report = new EvalReport(StepsDone, Evaluate());
        _evalLosses.Add(report);
        log.WriteLine(JsonSerializer.Serialize(new { type = "eval", report.Step, report.Loss }, s_jsonLine));
        Callbacks.OnEval(report);
    }

    private static object ResultJson(TrainingResult r) => new
    {
        r.Completed,
        r.StopReason,
        r.Steps,
        FinalLoss = double.IsFinite(r.FinalLoss) ? r.FinalLoss : (double?)null,
        r.LossHistory,
        EvalLosses = r.EvalLosses.Select(e => new { e.Step, e.Loss }),
        r.TokensSeen,
        r.ElapsedSeconds,
        r.TokensPerSecond,
        r.TrainableParameters,
        Privacy = PrivacyJson(r),
    };

    /// <summary>
    /// The <c>privacy</c> object of result.json and privacy.json: the DP guarantee (if DP is on) with the audit's
    /// figures under <c>audit</c> (if one ran); null when neither.
    /// </summary>
    internal static JsonObject? PrivacyJson(TrainingResult r)
    {
        if (r.Privacy is null && r.Audit is null)
        {
            return null;
        }
        var privacy = r.Privacy is null ? new JsonObject() : (JsonObject)JsonSerializer.SerializeToNode(r.Privacy, s_json)!;
        if (r.Audit is { } audit)
        {
            privacy["audit"] = JsonSerializer.SerializeToNode(audit, s_json);
        }
        return privacy;
    }

    private PrivacyReport? ReportPrivacy()
    {
        if (_dp is null)
        {
            return null;
        }
        PrivacyConfig privacy = _config.Privacy!;
        return new PrivacyReport(
            _dp.Epsilon,
            _dp.Delta,
            _dp.NoiseMultiplier,
            _dp.Sampler.SampleRate,
            _dp.Optimizer.StepCount,
            privacy.Accountant,
            privacy.MaxGradNorm,
            privacy.EntityLevel ? "entity" : "record",
            _dp.UserUnits,
            privacy.Seed is null ? PrivacyReport.OsCsprngSeedSource : PrivacyReport.FixedSeedSource,
            privacy.Seed,
            privacy.TargetEpsilon);
    }

    internal static void WriteJsonAtomically(string path, object value)
    {
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(value, s_json));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
