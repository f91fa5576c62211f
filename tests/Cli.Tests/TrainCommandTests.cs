using System.Text.Json;
using FineTune.Testing;

namespace FineTune.Cli.Tests;

public sealed class TrainCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "finetune-cli-train-" + Guid.NewGuid().ToString("N"));
    private static readonly string s_alpaca = Path.Combine(RepoPaths.SharedAssets, "datasets", "alpaca-en-demo", "alpaca_en_demo.json");

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static List<JsonElement> JsonLines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();

    [Fact]
    public void Train_TinyStoriesOnAlpaca_LowersTheLossClearlyAndWritesThePeftAdapter()
    {
        CliRun run = CliRun.Invoke(
            "train", "--model", RepoPaths.Model("tinystories-656k"), "--data", s_alpaca, "--out", _folder,
            "--steps", "40", "--lr", "1e-2", "--targets", "all-linear", "--lora-r", "16", "--lora-alpha", "32",
            "--max-seq-len", "256", "--batch-size", "4", "--eval-every", "20", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        List<JsonElement> lines = JsonLines(run.Output);
        double[] losses = lines.Where(l => l.GetProperty("type").GetString() == "step").Select(l => l.GetProperty("loss").GetDouble()).ToArray();
        double[] evals = lines.Where(l => l.GetProperty("type").GetString() == "eval").Select(l => l.GetProperty("loss").GetDouble()).ToArray();
        Assert.Equal(40, losses.Length);
        // Batches differ in difficulty, so compare 8-step averages (deterministic: seeded data order, init, dropout).
        Assert.True(losses.TakeLast(8).Average() < losses.Take(8).Average() - 0.3, $"first {losses.Take(8).Average():F3}, last {losses.TakeLast(8).Average():F3}");
        Assert.Equal(2, evals.Length);
        Assert.True(evals[1] < evals[0], $"validation loss {evals[0]:F3} -> {evals[1]:F3}");
        Assert.Equal("result", lines[^1].GetProperty("type").GetString());
        Assert.True(File.Exists(Path.Combine(_folder, "adapter_model.safetensors")));
        Assert.True(File.Exists(Path.Combine(_folder, "result.json")));
    }

    [Fact]
    public void Train_DefaultsWithoutLr_LearnTheSmallModel()
    {
        // Defaults only: the rate is auto by model size (2e-2 here), LoRA adapts every linear layer (r=8, alpha=16),
        // 8 packed rows per step. Mean loss of the first 5 steps vs the last 5 (issue 13 asks for 15%): the fixed 2e-4
        // this replaces lowered it by 1.8%, auto with attention-only adapters by 7.6%, all-linear at batch 4 by 12.1%,
        // at the default batch 8 by 16.5% (5.47 -> 4.57; docs/api.md lists what was measured).
        CliRun run = CliRun.Invoke("train", "--model", RepoPaths.Model("tinystories-656k"), "--data", s_alpaca, "--out", _folder, "--steps", "40", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        double[] losses = StepLosses(run.Output);
        Assert.Equal(40, losses.Length);
        double first = losses.Take(5).Average(), last = losses.TakeLast(5).Average();
        Assert.True(last <= first * 0.85, $"mean loss of the first 5 steps {first:F3}, of the last 5 {last:F3}: {100 * (1 - (last / first)):F1}% lower, 15% needed");
    }

    private static double[] StepLosses(string output) =>
        JsonLines(output).Where(l => l.GetProperty("type").GetString() == "step").Select(l => l.GetProperty("loss").GetDouble()).ToArray();

    [Fact]
    public void Train_ExamplesWhosePromptFillsMaxSeqLen_AreLeftOutWithAWarning()
    {
        // Truncation to 128 tokens (the Alpaca template takes about half) leaves the two long prompts no reply token
        // to train on (issue 13): the run goes on with the other four and says how many it left out, not silently.
        Directory.CreateDirectory(_folder);
        string data = Path.Combine(_folder, "train.jsonl"), validation = Path.Combine(_folder, "validation.jsonl");
        string longPrompt = string.Concat(Enumerable.Repeat("The little dog ran to the park and played. ", 40));
        string Line(string prompt, string completion) => JsonSerializer.Serialize(new { prompt, completion });
        File.WriteAllLines(data, [Line("Say hi.", "Hi there."), Line(longPrompt, "It was fun."), Line("Name a color.", "Red."), Line(longPrompt + "Why?", "He liked it."), Line("Count to two.", "One, two."), Line("Say bye.", "Bye.")]);
        File.WriteAllLines(validation, [Line("Say yes.", "Yes.")]);

        CliRun run = CliRun.Invoke(
            "train", "--model", RepoPaths.Model("tinystories-656k"), "--data", data, "--validation", validation, "--out", Path.Combine(_folder, "out"),
            "--steps", "1", "--max-seq-len", "128", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        JsonElement warning = Assert.Single(JsonLines(run.Output), l => l.GetProperty("type").GetString() == "warning");
        Assert.StartsWith("2 of 6 training examples are left out", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("max_seq_len 128", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Train_KeepCheckpoints_LeavesTheNewestAndSaysWhatItRemoved()
    {
        CliRun run = CliRun.Invoke(
            "train", "--model", RepoPaths.Model("tinystories-656k"), "--data", s_alpaca, "--out", _folder,
            "--steps", "6", "--save-every", "2", "--keep-checkpoints", "1", "--max-seq-len", "128", "--batch-size", "2", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        string[] removed = JsonLines(run.Output).Where(l => l.GetProperty("type").GetString() == "checkpoint_removed")
            .Select(l => Path.GetFileName(l.GetProperty("path").GetString()!)).ToArray();
        Assert.Equal(["checkpoint-2"], removed);
        Assert.Equal(["checkpoint-4"], Directory.GetDirectories(_folder, "checkpoint-*").Select(path => Path.GetFileName(path)).ToArray());
    }

    [Fact]
    public void Train_KeepCheckpointsZero_IsOneReadableErrorBeforeTraining()
    {
        CliRun run = CliRun.Invoke("train", "--model", RepoPaths.Model("tinystories-656k"), "--data", s_alpaca, "--out", _folder, "--steps", "2", "--keep-checkpoints", "0");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal("error: --keep-checkpoints: 0 would remove the checkpoint just written; give 1 or more", run.Error.Trim());
        Assert.False(Directory.Exists(_folder));
    }

    [Fact]
    public void Train_ModelThatIsNeitherAFolderNorAHubId_IsOneLineWithoutDotNetsParameterName()
    {
        string missing = Path.Combine(_folder, "no-such-model");

        CliRun run = CliRun.Invoke("train", "--model", missing, "--data", s_alpaca, "--out", Path.Combine(_folder, "out"));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"error: '{missing}' is neither an existing directory nor a hub repository id of the form org/name.", run.Error.Trim());
    }

    [Fact]
    public void Train_EveryPromptFillsMaxSeqLen_IsOneReadableError()
    {
        Directory.CreateDirectory(_folder);
        string data = Path.Combine(_folder, "train.jsonl");
        string longPrompt = string.Concat(Enumerable.Repeat("The little dog ran to the park and played. ", 40));
        File.WriteAllLines(data, [JsonSerializer.Serialize(new { prompt = longPrompt, completion = "It was fun." }), JsonSerializer.Serialize(new { prompt = longPrompt + "Why?", completion = "Fun." })]);

        CliRun run = CliRun.Invoke("train", "--model", RepoPaths.Model("tinystories-656k"), "--data", data, "--out", Path.Combine(_folder, "out"), "--steps", "1", "--max-seq-len", "64");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("every example is truncated away", run.Error, StringComparison.Ordinal);
        Assert.Contains("max_seq_len", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_UnsupportedBackendOption_IsRejectedNamingIt()
    {
        CliRun run = CliRun.Invoke(
            "train", "--model", RepoPaths.Model("tinystories-656k"), "--data", s_alpaca, "--out", _folder,
            "--steps", "1", "--backend-options", "{\"dtype\":\"bf16\"}");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("'dtype'", run.Error);
        Assert.Contains("libtorch-cpu", run.Error);
        Assert.False(Directory.Exists(_folder));
    }

    [Fact]
    public void Train_BadDataFile_NamesTheLine()
    {
        Directory.CreateDirectory(_folder);
        string data = Path.Combine(_folder, "bad.jsonl");
        File.WriteAllLines(data, ["{\"prompt\": \"a\", \"completion\": \"b\"}", "{\"prompt\": \"a\""]);

        CliRun run = CliRun.Invoke("train", "--model", RepoPaths.Model("tinystories-656k"), "--data", data, "--out", Path.Combine(_folder, "out"), "--steps", "1");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("line 2", run.Error, StringComparison.OrdinalIgnoreCase);
        Assert.False(Directory.Exists(Path.Combine(_folder, "out")));
    }

    [Fact]
    public void Train_StepsAndEpochsTogether_IsOneReadableError()
    {
        CliRun run = CliRun.Invoke("train", "--model", RepoPaths.Model("tinystories-656k"), "--data", s_alpaca, "--out", _folder, "--steps", "3", "--epochs", "1");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--steps or --epochs", run.Error);
    }

    [Fact]
    public void TrainDp_ReportsEpsilonEveryStep_EqualToPrivacyEpsilonForItsSigmaRateAndSteps()
    {
        CliRun run = CliRun.Invoke(
            "train", "--model", RepoPaths.Model("tinystories-656k"), "--data", s_alpaca, "--out", _folder,
            "--dp", "--target-epsilon", "6", "--steps", "5", "--expected-batch-size", "4", "--batch-size", "4", "--max-seq-len", "128", "--dp-seed", "3", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        List<JsonElement> lines = JsonLines(run.Output);
        Assert.All(lines.Where(l => l.GetProperty("type").GetString() == "step"), l => Assert.True(l.GetProperty("epsilon").GetDouble() > 0));
        JsonElement privacy = lines[^1].GetProperty("privacy");
        string[] args = ["privacy", "epsilon", "--noise-multiplier", privacy.GetProperty("noise_multiplier").GetDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture), "--sample-rate", privacy.GetProperty("sample_rate").GetDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture), "--steps", "5", "--delta", privacy.GetProperty("delta").GetDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture), "--json"];
        using JsonDocument epsilon = JsonDocument.Parse(CliRun.Invoke(args).Output);
        Assert.Equal(epsilon.RootElement.GetProperty("epsilon").GetDouble(), privacy.GetProperty("epsilon").GetDouble(), 12);
        Assert.True(privacy.GetProperty("epsilon").GetDouble() <= 6);
        // The fixed --dp-seed may be echoed, marked as fixed; a DP step reports a real norm, never the string "NaN".
        Assert.Equal(("fixed", 3L), (privacy.GetProperty("seed_source").GetString(), privacy.GetProperty("seed").GetInt64()));
        Assert.False(privacy.TryGetProperty("noise_seed", out _) || privacy.TryGetProperty("sampler_seed", out _));
        Assert.All(lines.Where(l => l.GetProperty("type").GetString() == "step"), l =>
        {
            Assert.Contains(l.GetProperty("grad_norm").ValueKind, new[] { JsonValueKind.Number, JsonValueKind.Null });
            Assert.Equal(l.GetProperty("grad_norm").ValueKind, l.GetProperty("clipped_fraction").ValueKind);
        });
    }

    [Fact]
    public void TrainDp_WithOsSeeds_PrintsNoSeed()
    {
        CliRun run = CliRun.Invoke(
            "train", "--model", RepoPaths.Model("tinystories-656k"), "--data", s_alpaca, "--out", _folder,
            "--dp", "--noise-multiplier", "1", "--steps", "2", "--expected-batch-size", "4", "--batch-size", "4", "--max-seq-len", "128", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        JsonElement privacy = JsonLines(run.Output)[^1].GetProperty("privacy");
        Assert.Equal("os_csprng", privacy.GetProperty("seed_source").GetString());
        Assert.Equal(JsonValueKind.Null, privacy.GetProperty("seed").ValueKind);
        Assert.DoesNotContain("noise_seed", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("sampler_seed", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void PrivacyOptionsWithoutDp_AreRejected()
    {
        CliRun run = CliRun.Invoke("train", "--model", RepoPaths.Model("tinystories-656k"), "--data", s_alpaca, "--out", _folder, "--target-epsilon", "3");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--dp", run.Error);
    }
}
