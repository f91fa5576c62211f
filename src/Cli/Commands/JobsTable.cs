using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune jobs list</c> for people: one aligned line per job (id, status, model, steps done of total, created, in
/// UTC), newest first as the service lists them. <c>--json</c> prints the service's list instead, for scripts.
/// </summary>
internal static class JobsTable
{
    private static readonly string[] s_header = ["ID", "STATUS", "MODEL", "STEPS", "CREATED (UTC)"];

    public static void Write(JsonObject list, TextWriter output)
    {
        List<string[]> rows = [s_header];
        foreach (JsonNode? job in list["data"] as JsonArray ?? [])
        {
            rows.Add([Text(job?["id"]), Text(job?["status"]), Text(job?["model"]), Steps(job?["progress"]), Created(job?["created_at"])]);
        }
        if (rows.Count == 1)
        {
            output.WriteLine("no jobs yet: `finetune jobs submit --data FILE --model NAME` creates one");
            return;
        }
        int[] widths = [.. Enumerable.Range(0, s_header.Length).Select(column => rows.Max(row => row[column].Length))];
        foreach (string[] row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, column) => cell.PadRight(widths[column]))).TrimEnd());
        }
        if (list["has_more"]?.GetValueKind() == JsonValueKind.True)
        {
            output.WriteLine($"(the newest {rows.Count - 1}; older jobs are not shown)");
        }
    }

    private static string Text(JsonNode? value) => value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : "-";

    // "12/20" while running, "20/20" when done, "-" before the first step.
    private static string Steps(JsonNode? progress)
    {
        if (progress?["step"] is not JsonValue step || step.GetValueKind() != JsonValueKind.Number)
        {
            return "-";
        }
        string total = progress["total_steps"] is JsonValue t && t.GetValueKind() == JsonValueKind.Number ? t.GetValue<long>().ToString(CultureInfo.InvariantCulture) : "?";
        return $"{step.GetValue<long>().ToString(CultureInfo.InvariantCulture)}/{total}";
    }

    private static string Created(JsonNode? seconds) =>
        seconds is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? DateTimeOffset.FromUnixTimeSeconds(v.GetValue<long>()).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
            : "-";
}
