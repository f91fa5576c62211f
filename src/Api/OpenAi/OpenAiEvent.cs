using System.Globalization;
using System.Text.Json.Nodes;
using FineTune.Persistence.Entities;

namespace FineTune.Api.OpenAi;

/// <summary>
/// OpenAI's <c>fine_tuning.job.event</c> for an entry of a job's event log: steps and validation losses are
/// <c>metrics</c> events, everything else a <c>message</c>; <c>data</c> is the native payload, with OpenAI's metric
/// names (<c>train_loss</c>, <c>valid_loss</c>) added.
/// </summary>
/// <param name="Id"><c>ftevent-&lt;job hex&gt;-&lt;seq&gt;</c>.</param>
/// <param name="CreatedAt">Unix seconds.</param>
/// <param name="Level">info, warn or error.</param>
/// <param name="Message">A line for humans.</param>
/// <param name="Type">message or metrics.</param>
/// <param name="Data">The event's data.</param>
public sealed record OpenAiEvent(string Id, long CreatedAt, string Level, string Message, string Type, JsonNode? Data)
{
    /// <summary>Always <c>fine_tuning.job.event</c>.</summary>
    public string Object => "fine_tuning.job.event";

    /// <summary>The OpenAI view of a native event.</summary>
    public static OpenAiEvent From(JobEvent entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        JsonObject data = JsonNode.Parse(entry.Payload) as JsonObject ?? [];
        string id = OpenAiIds.FormatEvent(entry.JobId, entry.Seq);
        long createdAt = entry.CreatedAt.ToUnixTimeSeconds();
        (string level, string message, string type) = entry.Type switch
        {
            "step" => ("info", StepMessage(data), "metrics"),
            "eval" => ("info", $"Step {Text(data, "step")}: validation loss={Text(data, "eval_loss")}", "metrics"),
            "checkpoint" => ("info", $"Checkpoint created at step {Text(data, "step")}", "message"),
            "log" => (Text(data, "level") is "warning" or "warn" ? "warn" : Text(data, "level") == "error" ? "error" : "info", Text(data, "message"), "message"),
            "completed" => ("info", "The job has successfully completed", "message"),
            "failed" => ("error", $"The job failed: {Text(data, "error")}", "message"),
            "status" => ("info", StatusMessage(data), "message"),
            _ => ("info", $"{entry.Type} event", "message"),
        };
        if (entry.Type == "step" && data["loss"] is { } loss)
        {
            data["train_loss"] = loss.DeepClone();
        }
        if (entry.Type == "eval" && data["eval_loss"] is { } validation)
        {
            data["valid_loss"] = validation.DeepClone();
        }
        data["native_type"] = entry.Type;
        return new OpenAiEvent(id, createdAt, level, message, type, data);
    }

    private static string StepMessage(JsonObject data)
    {
        return $"Step {Text(data, "step")}/{Text(data, "total_steps")}: training loss={Text(data, "loss")}";
    }

    private static string StatusMessage(JsonObject data)
    {
        string status = Text(data, "status");
        return status switch
        {
            "running" => data["resumed_from_step"] is JsonValue from ? $"Fine-tuning job started (attempt {Text(data, "attempt")}, resumed from step {from})" : $"Fine-tuning job started (attempt {Text(data, "attempt")})",
            "released" => "The worker stopped; the job goes back to the queue and resumes from its last checkpoint",
            "pausing" => "Pausing: the job stops at its next step after a checkpoint",
            "paused" => data["checkpoint_step"] is JsonValue at ? $"Fine-tuning job paused after step {Text(data, "step")}; it resumes from step {at}" : "Fine-tuning job paused",
            "resumed" => "Fine-tuning job resumed: queued again, it continues from its last checkpoint",
            _ => $"Job status: {status}",
        };
    }

    private static string Text(JsonObject data, string name)
    {
        return data[name] switch
        {
            null => "?",
            JsonValue value when value.TryGetValue(out double number) => number.ToString("G6", CultureInfo.InvariantCulture),
            JsonValue value when value.TryGetValue(out string? text) => text ?? "?",
            var other => other.ToJsonString(),
        };
    }
}

/// <summary>OpenAI's <c>fine_tuning.job.checkpoint</c>.</summary>
/// <param name="Id"><c>ftckpt-</c> and the checkpoint's UUID in hex.</param>
/// <param name="CreatedAt">Unix seconds.</param>
/// <param name="FineTunedModelCheckpoint">The checkpoint's name: the job's model name with <c>:ckpt-step-N</c>.</param>
/// <param name="FineTuningJobId">The job's id.</param>
/// <param name="Metrics">step, train_loss, and valid_loss where a validation ran at that step.</param>
/// <param name="StepNumber">The optimizer step it was taken after.</param>
public sealed record OpenAiCheckpoint(string Id, long CreatedAt, string FineTunedModelCheckpoint, string FineTuningJobId, JsonObject Metrics, long StepNumber)
{
    /// <summary>Always <c>fine_tuning.job.checkpoint</c>.</summary>
    public string Object => "fine_tuning.job.checkpoint";
}
