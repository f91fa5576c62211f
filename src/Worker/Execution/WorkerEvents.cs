using System.Text.Json.Nodes;
using FineTune.Contracts.Events;
using FineTune.Persistence.Entities;

namespace FineTune.Worker.Execution;

/// <summary>
/// Builds the payloads of <see cref="WorkerEventTypes"/>, all in one place so docs/worker.md can be checked against a
/// single file. Names are snake_case; numbers that are not finite (the loss, gradient norm and clipped fraction of an
/// empty Poisson batch) become null, since JSON has no NaN.
/// </summary>
internal static class WorkerEvents
{
    public static JsonObject Running(int attempt, string workerId, long? resumedFromStep)
    {
        return new JsonObject
        {
            ["status"] = "running",
            ["attempt"] = attempt,
            ["worker_id"] = workerId,
            ["resumed_from_step"] = resumedFromStep,
        };
    }

    public static JsonObject Status(string status, long? step = null, long? checkpointStep = null)
    {
        var payload = new JsonObject { ["status"] = status };
        if (step is not null)
        {
            payload["step"] = step;
        }
        if (checkpointStep is not null)
        {
            payload["checkpoint_step"] = checkpointStep;
        }
        return payload;
    }

    public static JsonObject Step(StepReport report)
    {
        return new JsonObject
        {
            ["step"] = report.Step,
            ["total_steps"] = report.TotalSteps,
            ["loss"] = Finite(report.Loss),
            ["lr"] = Finite(report.LearningRate),
            ["grad_norm"] = Finite(report.GradNorm),
            ["epsilon"] = report.Epsilon is double epsilon ? Finite(epsilon) : null,
            ["clipped_fraction"] = report.ClippedFraction is double clipped ? Finite(clipped) : null,
            ["tokens"] = report.Tokens,
            ["tokens_per_second"] = report.ElapsedSeconds > 0 ? Finite(report.TokensSeen / report.ElapsedSeconds) : null,
            ["elapsed_seconds"] = Finite(report.ElapsedSeconds),
            ["micro_batch_size"] = report.MicroBatchSize,
        };
    }

    public static JsonObject Progress(StepReport report)
    {
        return new JsonObject
        {
            ["step"] = report.Step,
            ["total_steps"] = report.TotalSteps,
            ["loss"] = Finite(report.Loss),
            ["epsilon"] = report.Epsilon is double epsilon ? Finite(epsilon) : null,
            ["tokens_seen"] = report.TokensSeen,
            // The values "auto" resolved to: the job object shows them in place of "auto" once the job runs.
            ["hyperparameters"] = new JsonObject
            {
                ["learning_rate"] = report.PeakLearningRate,
                ["batch_size"] = report.MicroBatchSize,
                ["n_epochs"] = report.Epochs,
            },
        };
    }

    public static JsonObject Eval(EvalReport report)
    {
        return new JsonObject { ["step"] = report.Step, ["eval_loss"] = Finite(report.Loss) };
    }

    public static JsonObject Checkpoint(long step, Artifact artifact)
    {
        return new JsonObject
        {
            ["step"] = step,
            ["artifact"] = artifact.Name,
            ["artifact_id"] = artifact.Id,
            ["size_bytes"] = artifact.SizeBytes,
            ["sha256"] = Convert.ToHexStringLower(artifact.Sha256),
        };
    }

    public static JsonObject Log(string level, string message)
    {
        return new JsonObject { ["level"] = level, ["message"] = message };
    }

    public static JsonObject Completed(JsonNode? result, IEnumerable<Artifact> outputs)
    {
        var artifacts = new JsonArray();
        foreach (Artifact artifact in outputs)
        {
            artifacts.Add(new JsonObject
            {
                ["name"] = artifact.Name,
                ["size_bytes"] = artifact.SizeBytes,
                ["sha256"] = Convert.ToHexStringLower(artifact.Sha256),
            });
        }
        return new JsonObject { ["result"] = result, ["artifacts"] = artifacts };
    }

    public static JsonObject Failed(JobFailure failure, int attempt, bool retrying)
    {
        return new JsonObject
        {
            ["error"] = failure.Message,
            ["permanent"] = failure.Permanent,
            ["attempt"] = attempt,
            ["retrying"] = retrying,
        };
    }

    private static double? Finite(double value)
    {
        return double.IsFinite(value) ? value : null;
    }
}
