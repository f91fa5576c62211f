using System.Diagnostics;
using System.Text.Json;
using FineTune.Testing;

namespace FineTune.Cli.Tests;

/// <summary>
/// The official <c>openai</c> npm client (7.x, <c>tools/reference/openai/client.mjs</c>) under node against
/// <c>finetune serve</c> with real training, pause and resume included. A missing node or node_modules fails with the fix, never skips.
/// </summary>
public sealed class OpenAiNodeSdkTests(OpenAiServer server) : IClassFixture<OpenAiServer>
{
    private static readonly string s_tool = Path.Combine(RepoPaths.RepoRoot, "tools", "reference", "openai");

    [Fact]
    public void NodeSdk_UploadTrainListEventsCheckpointsCancel_WorksUnchanged()
    {
        Assert.True(File.Exists(Path.Combine(s_tool, "node_modules", "openai", "package.json")),
            "The openai npm client is not installed: run `npm ci --prefix tools/reference/openai` (node 20+ on PATH); ./test.sh does.");
        Dictionary<string, List<JsonElement>> lines = Run();

        JsonElement file = lines["file"][0];
        Assert.StartsWith("file-", file.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("fine-tune", file.GetProperty("purpose").GetString());
        Assert.Equal("processed", file.GetProperty("status").GetString());

        JsonElement created = lines["created"][0];
        string jobId = created.GetProperty("id").GetString()!;
        Assert.StartsWith("ftjob-", jobId, StringComparison.Ordinal);
        Assert.Equal("supervised", created.GetProperty("method").GetProperty("type").GetString());
        Assert.Equal(2, created.GetProperty("hyperparameters").GetProperty("batch_size").GetInt32());

        JsonElement finished = lines["finished"][0];
        Assert.Equal("succeeded", finished.GetProperty("status").GetString());
        Assert.Equal($"ft:tinystories-656k:node-sdk:{jobId["ftjob-".Length..]}", finished.GetProperty("fine_tuned_model").GetString());
        // learning_rate_multiplier "auto" became the multiplier used (1: the automatic rate itself).
        Assert.Equal(1.0, finished.GetProperty("hyperparameters").GetProperty("learning_rate_multiplier").GetDouble());
        Assert.True(finished.GetProperty("trained_tokens").GetInt64() > 0);
        Assert.True(finished.GetProperty("result_files").GetArrayLength() >= 3);

        Assert.Equal("cancelled", lines["cancelled"][0].GetProperty("status").GetString());
        // Pause answers queued-paused or running (pausing shows as running on this surface); the job then rests paused
        // and, resumed, runs to the end from its checkpoint.
        JsonElement paused = lines["paused"][0];
        Assert.Contains(paused.GetProperty("answered").GetString(), new[] { "paused", "running" });
        Assert.Equal("paused", paused.GetProperty("status").GetString());
        JsonElement resumed = lines["resumed"][0];
        Assert.Contains(resumed.GetProperty("answered").GetString(), new[] { "queued", "running" });
        Assert.Equal("succeeded", resumed.GetProperty("status").GetString());
        Assert.True(resumed.GetProperty("trained_tokens").GetInt64() > 0);
        JsonElement list = lines["list"][0];
        List<string> ids = list.GetProperty("ids").EnumerateArray().Select(id => id.GetString()!).ToList();
        Assert.True(list.GetProperty("pages").GetInt32() >= 2);
        Assert.True(ids.IndexOf(lines["cancelled"][0].GetProperty("id").GetString()!) < ids.IndexOf(jobId) && ids.IndexOf(jobId) >= 0);

        List<JsonElement> events = lines["events"][0].GetProperty("events").EnumerateArray().ToList();
        Assert.True(events.Count > 3, "events span several pages of 3");
        Assert.Equal(4, events.Count(entry => entry.GetProperty("type").GetString() == "metrics" && entry.GetProperty("data").GetProperty("native_type").GetString() == "step"));
        Assert.Contains(events, entry => entry.GetProperty("message").GetString()!.StartsWith("Step 4/4: training loss=", StringComparison.Ordinal));
        Assert.Equal(events.Count, events.Select(entry => entry.GetProperty("id").GetString()).Distinct().Count());

        List<JsonElement> checkpoints = lines["checkpoints"][0].GetProperty("checkpoints").EnumerateArray().ToList();
        Assert.NotEmpty(checkpoints);
        Assert.All(checkpoints, checkpoint =>
        {
            Assert.StartsWith("ftckpt-", checkpoint.GetProperty("id").GetString(), StringComparison.Ordinal);
            Assert.Equal(jobId, checkpoint.GetProperty("fine_tuning_job_id").GetString());
            Assert.True(checkpoint.GetProperty("metrics").GetProperty("train_loss").GetDouble() > 0);
            Assert.EndsWith($":ckpt-step-{checkpoint.GetProperty("step_number").GetInt64()}", checkpoint.GetProperty("fine_tuned_model_checkpoint").GetString(), StringComparison.Ordinal);
        });

        Assert.Contains("tinystories-656k", lines["models"][0].GetProperty("ids").EnumerateArray().Select(id => id.GetString()));
        Assert.Equal(finished.GetProperty("fine_tuned_model").GetString(), lines["model"][0].GetProperty("id").GetString());
        Assert.Equal("tinystories-656k", lines["model"][0].GetProperty("parent").GetString());
        JsonElement deleted = lines["model_deleted"][0];
        Assert.Equal(finished.GetProperty("fine_tuned_model").GetString(), deleted.GetProperty("id").GetString());
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        Assert.Equal(404, deleted.GetProperty("retrieve_status").GetInt32());

        Dictionary<string, JsonElement> errors = lines["error"].ToDictionary(line => line.GetProperty("name").GetString()!);
        Assert.Equal(400, errors["dpo"].GetProperty("status").GetInt32());
        Assert.Contains("method 'dpo' is not supported", errors["dpo"].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("method.type", errors["dpo"].GetProperty("param").GetString());
        Assert.Equal(404, errors["unknown_job"].GetProperty("status").GetInt32());
        Assert.Contains("No such fine-tuning job", errors["unknown_job"].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, errors["resume_succeeded"].GetProperty("status").GetInt32());
        Assert.Contains("only a paused job can be resumed", errors["resume_succeeded"].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(404, errors["chat"].GetProperty("status").GetInt32());
        Assert.Equal("unknown_url", errors["chat"].GetProperty("code").GetString());
        Assert.Contains("does not run inference", errors["chat"].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, errors["bad_multiplier"].GetProperty("status").GetInt32());
        Assert.Equal("method.supervised.hyperparameters.learning_rate_multiplier", errors["bad_multiplier"].GetProperty("param").GetString());
    }

    private Dictionary<string, List<JsonElement>> Run()
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = s_tool };
        foreach (string argument in new[] { "client.mjs", "--base-url", server.BaseUrl.ToString().TrimEnd('/'), "--key", server.Key, "--data", server.SmallDataset, "--model", "tinystories-656k" })
        {
            start.ArgumentList.Add(argument);
        }
        using Process node = Process.Start(start)!;
        Task<string> stderr = node.StandardError.ReadToEndAsync();
        string stdout = node.StandardOutput.ReadToEnd();
        Assert.True(node.WaitForExit(TimeSpan.FromMinutes(5)), "the node client did not finish in 5 minutes");
        Assert.True(node.ExitCode == 0, $"node client.mjs exited {node.ExitCode}: {stderr.Result}\n{stdout}");
        var lines = new Dictionary<string, List<JsonElement>>();
        foreach (string line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            JsonElement parsed = JsonDocument.Parse(line).RootElement.Clone();
            string kind = parsed.GetProperty("kind").GetString()!;
            (lines.TryGetValue(kind, out List<JsonElement>? list) ? list : lines[kind] = []).Add(parsed);
        }
        return lines;
    }
}
