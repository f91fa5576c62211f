using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Contracts.Configs;
using FineTune.Persistence.Entities;
using FineTune.Testing;
using FineTune.Training.Privacy.Audit;
using FineTune.Training.Train;
using FineTune.Worker.Checkpoints;
using FineTune.Worker.Tests.Infrastructure;

namespace FineTune.Worker.Tests;

/// <summary>
/// The empirical privacy audit (privacy.audit) end to end through the real worker: tinystories-656k on six short
/// records beside 64 canaries of 8 tokens, so 40 steps memorise the trained canaries without DP. The bound must
/// reach result.json, privacy.json, the completed event and the job's stored result alike, and no output artifact
/// may hold a canary, which the test regenerates from the key the job's checkpoint keeps.
/// </summary>
public sealed class JobRunnerAuditTests(ITestOutputHelper output)
{
    private const int Canaries = 64;
    private const int CanaryLength = 8;

    private static readonly string[] s_outputs = ["adapter_model.safetensors", "adapter_config.json", "result.json", "privacy.json", "training_log.jsonl"];

    [Fact]
    public async Task RunAsync_AuditWithoutDp_FindsALargeLowerBoundAndPublishesNoCanary()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);

        (Job job, JsonElement audit) = await RunAuditedJobAsync(context, new JsonObject());

        double bound = audit.GetProperty("epsilon_lower_bound").GetDouble();
        output.WriteLine($"no DP: epsilon lower bound {bound:G4}, {audit.GetProperty("correct").GetInt32()} of {audit.GetProperty("guesses").GetInt32()} guesses right");
        Assert.True(bound > 1, $"lower bound {bound}");
        // DP was off: the privacy object holds the audit alone, no accountant figures.
        using JsonDocument privacy = JsonDocument.Parse(await context.ReadArtifactAsync(job.Id, "privacy.json"));
        Assert.False(privacy.RootElement.TryGetProperty("epsilon", out _));
        await AssertNoCanaryIsPublishedAsync(context, job);
    }

    [Fact]
    public async Task RunAsync_AuditWithDp_LowerBoundStaysBelowTheAccountantsEpsilon()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        // The same canaries, steps and learning rate as without DP; only DP-SGD at epsilon 1 differs.
        var dp = new JsonObject { ["target_epsilon"] = 1.0, ["expected_batch_size"] = 16, ["delta"] = 1e-3 };

        (Job job, JsonElement audit) = await RunAuditedJobAsync(context, dp);

        using JsonDocument privacy = JsonDocument.Parse(await context.ReadArtifactAsync(job.Id, "privacy.json"));
        double epsilon = privacy.RootElement.GetProperty("epsilon").GetDouble();
        double bound = audit.GetProperty("epsilon_lower_bound").GetDouble();
        output.WriteLine($"DP: epsilon lower bound {bound:G4}, accountant epsilon {epsilon:G4}");
        Assert.InRange(epsilon, 0.5, 1.0);
        Assert.True(bound < epsilon, $"lower bound {bound} vs accountant {epsilon}");
        await AssertNoCanaryIsPublishedAsync(context, job);
    }

    // Runs one audited job to success and returns it with its audit object, after checking that result.json,
    // privacy.json, the completed event and the job's stored result all carry the same figures.
    private async Task<(Job Job, JsonElement Audit)> RunAuditedJobAsync(WorkerTestContext context, JsonObject privacy)
    {
        Guid dataset = await context.UploadAsync("six_records.json", new MemoryStream(Encoding.UTF8.GetBytes(SixRecords())));
        JsonObject spec = WorkerTestContext.Spec(dataset, steps: 40, saveEvery: 20);
        JsonObject hyper = spec["hyperparameters"]!.AsObject();
        hyper["batch_size"] = 16;
        hyper["learning_rate"] = 1e-2;
        hyper["lr_schedule"] = "constant";
        hyper["warmup_ratio"] = 0.0;
        spec["lora"] = new JsonObject { ["r"] = 8, ["alpha"] = 16, ["dropout"] = 0.0 };
        privacy["audit"] = new JsonObject { ["canaries"] = Canaries, ["canary_length"] = CanaryLength };
        spec["privacy"] = privacy;
        Job job = await context.EnqueueAsync(spec, dataset);
        await using WorkerHost worker = await WorkerHost.StartAsync(context, "A");

        JobOutcome outcome = await worker.Signals.WaitForOutcomeAsync(job.Id, WorkerTestContext.Timeout());

        Assert.Equal(JobOutcomeKind.Succeeded, outcome.Kind);
        Job finished = await context.GetJobAsync(job.Id);
        using JsonDocument stored = JsonDocument.Parse(finished.Result!);
        using JsonDocument resultJson = JsonDocument.Parse(await context.ReadArtifactAsync(job.Id, "result.json"));
        using JsonDocument privacyJson = JsonDocument.Parse(await context.ReadArtifactAsync(job.Id, "privacy.json"));
        JsonElement completed = Assert.Single(await context.PayloadsAsync(job.Id, "completed")).GetProperty("result");
        JsonElement audit = privacyJson.RootElement.GetProperty("audit").Clone();
        Assert.Equal(Canaries, audit.GetProperty("canaries").GetInt32());
        Assert.Equal(CanaryLength, audit.GetProperty("canary_length").GetInt32());
        Assert.Equal(0.95, audit.GetProperty("confidence").GetDouble());
        Assert.InRange(audit.GetProperty("correct").GetInt32(), 0, audit.GetProperty("guesses").GetInt32());
        // Compared field by field: the job's result went through jsonb, which reorders keys.
        foreach (JsonElement copy in new[] { resultJson.RootElement, stored.RootElement, completed })
        {
            JsonElement other = copy.GetProperty("privacy").GetProperty("audit");
            foreach (string field in new[] { "epsilon_lower_bound", "guesses", "correct", "canaries", "confidence" })
            {
                Assert.Equal(audit.GetProperty(field).GetDouble(), other.GetProperty(field).GetDouble());
            }
        }

        return (finished, audit);
    }

    // Regenerates the job's canaries from the key in its checkpoint (worker-internal, never served) and looks for any
    // four consecutive ids of any canary, the key and the coins in every output the service serves.
    private static async Task AssertNoCanaryIsPublishedAsync(WorkerTestContext context, Job job)
    {
        string checkpoint = Path.Combine(context.WorkDir, "checkpoint-" + job.Id.ToString("N"));
        await using (var archive = new MemoryStream(await context.ReadArtifactAsync(job.Id, CheckpointArchive.ArtifactNames[0])))
        {
            await CheckpointArchive.UnpackAsync(archive, checkpoint, CancellationToken.None);
        }

        byte[] key = Trainer.ReadCanaryKey(checkpoint) ?? throw new InvalidOperationException("the checkpoint keeps no canary key");
        int vocabulary = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Model(WorkerTestContext.Model), "config.json")))!["vocab_size"]!.GetValue<int>();
        CanarySet canaries = CanarySet.Create(key, new AuditConfig { Canaries = Canaries, CanaryLength = CanaryLength }, vocabulary);
        string base64Key = Convert.ToBase64String(key);
        var published = new List<string> { job.Result!, job.Progress ?? "" };
        published.AddRange((await context.EventsAsync(job.Id)).Select(e => e.Payload));
        foreach (string name in s_outputs)
        {
            published.Add(Encoding.Latin1.GetString(await context.ReadArtifactAsync(job.Id, name)));
        }

        Assert.All(published, text =>
        {
            string compact = text.Replace(" ", "", StringComparison.Ordinal);
            foreach (TokenizedExample canary in canaries.Canaries)
            {
                Assert.DoesNotContain(string.Join(",", canary.InputIds[..4]), compact, StringComparison.Ordinal);
            }

            Assert.DoesNotContain(base64Key, text, StringComparison.Ordinal);
            Assert.DoesNotContain(System.Text.Encodings.Web.JavaScriptEncoder.Default.Encode(base64Key), text, StringComparison.Ordinal);
            Assert.DoesNotContain("included", text, StringComparison.OrdinalIgnoreCase);
        });
    }

    // Six short Alpaca records: few enough that the 64 canaries are most of what each step trains on.
    private static string SixRecords()
    {
        var records = new JsonArray();
        string[] stories =
        [
            "Tom had a red ball. He threw it to his dog.",
            "The sun was warm. Lily played in the park all day.",
            "A little bird sang a song on the tree.",
            "Sam found a big box. Inside was a tiny cat.",
            "Mia and her mom baked a cake for dad.",
            "The boat went far away on the blue sea.",
        ];
        foreach (string story in stories)
        {
            records.Add(new JsonObject { ["instruction"] = "Tell a short story.", ["input"] = "", ["output"] = story });
        }

        return records.ToJsonString();
    }
}
