using System.Text.Json.Nodes;

namespace FineTune.Cli.Commands;

/// <summary>Renders job events as a one-line progress bar (on a terminal) or as lines (redirected output).</summary>
internal sealed class JobProgressView(TextWriter output)
{
    private readonly bool _terminal = !Console.IsOutputRedirected && ReferenceEquals(output, Console.Out);

    public void Show(JsonObject evt)
    {
        string type = evt["type"]?.GetValue<string>() ?? "";
        JsonNode? payload = evt["payload"];
        string line = type switch
        {
            "step" => Step(payload),
            "eval" => $"eval after step {payload?["step"]}: loss {Number(payload?["eval_loss"], "F4")}",
            "log" when payload?["message"] is JsonValue message => $"{payload["level"] ?? "log"}: {message}",
            "status" => $"status: {payload?["status"] ?? payload}",
            "checkpoint" => $"checkpoint at step {payload?["step"]}",
            "completed" => "completed",
            "failed" => $"failed: {payload?["error"]?["message"] ?? payload?["error"] ?? payload}",
            _ => $"{type}: {payload?.ToJsonString()}",
        };
        if (_terminal && type == "step")
        {
            output.Write("\r" + line);
        }
        else
        {
            output.WriteLine((_terminal ? "\n" : "") + line);
        }
    }

    public void Finish(JsonObject job) => output.WriteLine($"{(_terminal ? "\n" : "")}job {job["id"]} {job["status"]}");

    private static string Step(JsonNode? p)
    {
        long step = p?["step"]?.GetValue<long>() ?? 0;
        long total = p?["total_steps"]?.GetValue<long>() ?? 0;
        int width = 30;
        int filled = total > 0 ? (int)(width * step / total) : 0;
        string epsilon = p?["epsilon"] is JsonNode e && e.GetValueKind() == System.Text.Json.JsonValueKind.Number ? $" eps {e.GetValue<double>():F3}" : "";
        return $"[{new string('#', filled)}{new string('.', width - filled)}] {step}/{total} loss {Number(p?["loss"], "F4")}{epsilon} {Number(p?["tokens_per_second"], "F0")} tok/s";
    }

    // Figures as the local train command prints them (loss to 4 places, whole tokens/s), not JSON's 17 digits;
    // anything not a number (a missing field) is shown as it came.
    private static string Number(JsonNode? value, string format) =>
        value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            ? v.GetValue<double>().ToString(format, System.Globalization.CultureInfo.InvariantCulture)
            : value?.ToJsonString() ?? "?";
}
