using System.Text;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Events;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Privacy.Audit;
using FineTune.Training.Tests.Train;
using FineTune.Training.Train;
using Xunit.Abstractions;

namespace FineTune.Training.Tests.Privacy.Audit;

/// <summary>
/// The one-run audit on the real tinystories-656k model: 64 canaries of 8 random tokens beside six short stories, so a
/// run memorises its canaries in seconds. Keys are fixed here so every run is reproducible; a real run draws its own.
/// </summary>
public sealed class PrivacyAuditTests(ITestOutputHelper output) : IDisposable
{
    private static readonly AuditConfig s_audit = new() { Canaries = 64, CanaryLength = 8 };
    private static readonly byte[] s_key = Enumerable.Range(1, CanarySet.KeyBytes).Select(i => (byte)(i * 37)).ToArray();
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "finetune-audit-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static TrainingConfig Config(long steps, PrivacyConfig? privacy = null) => new()
    {
        MaxSteps = steps,
        LearningRate = 1e-2,
        LrSchedule = "constant",
        WarmupRatio = 0,
        MicroBatchSize = 16,
        MaxSeqLength = 64,
        Packing = false,
        Lora = new LoraConfig { Rank = 8, Alpha = 16, Dropout = 0, TargetModules = ["all-linear"] },
        Privacy = privacy,
        Audit = s_audit,
    };

    private static TrainingResult Train(TrainingConfig config, string folder, byte[]? key = null, string? resumeFrom = null)
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using var generator = new Generator(config.Seed);
        using LoraModel lora = LoraModel.Attach(model, config.Lora, generator);
        using var trainer = new Trainer(model, lora, TinyStoriesFixture.Examples(), [], config, Device.CPU, key ?? s_key);
        return trainer.Run(folder, "tinystories-656k", resumeFrom);
    }

    private void Report(string run, TrainingResult result)
    {
        AuditReport audit = result.Audit!;
        string accountant = result.Privacy is { } p ? $", accountant epsilon {p.Epsilon:G4} (delta {p.Delta:G3}, sigma {p.NoiseMultiplier:G4}, q {p.SampleRate:G4})" : "";
        output.WriteLine($"{run}: {result.Steps} steps, m {audit.Canaries}, k {audit.Guesses}, correct {audit.Correct}, epsilon lower bound {audit.EpsilonLowerBound:G4}{accountant}");
    }

    [Fact]
    public void WithoutDp_MemorisedCanaries_GiveALargeLowerBound()
    {
        TrainingResult result = Train(Config(40), _folder);

        Report("no DP", result);
        Assert.Null(result.Privacy);
        Assert.True(result.Audit!.EpsilonLowerBound > 1, $"lower bound {result.Audit.EpsilonLowerBound}");
        Assert.Equal(0.95, result.Audit.Confidence);
        string privacyJson = File.ReadAllText(Path.Combine(_folder, "privacy.json"));
        Assert.Contains("\"epsilon_lower_bound\"", privacyJson, StringComparison.Ordinal);
        Assert.Contains("\"audit\"", File.ReadAllText(Path.Combine(_folder, "result.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void WithDp_TheLowerBoundStaysBelowTheAccountantsEpsilon()
    {
        // The same canaries, steps and learning rate as without DP; only DP-SGD at epsilon 1 differs.
        var privacy = new PrivacyConfig { TargetEpsilon = 1, ExpectedBatchSize = 16, Delta = 1e-3, Seed = 11 };

        TrainingResult result = Train(Config(40, privacy), _folder);

        Report("DP", result);
        PrivacyReport report = result.Privacy!;
        // Canaries are records to DP, but the rate counts all m (not the secret number trained on), and the user's
        // figures count only the user's six records.
        Assert.Equal(16.0 / (6 + 64), report.SampleRate);
        Assert.Equal(6, report.Units);
        Assert.True(result.Audit!.EpsilonLowerBound < report.Epsilon, $"lower bound {result.Audit.EpsilonLowerBound} vs accountant {report.Epsilon}");
        Assert.Contains("\"epsilon_lower_bound\"", File.ReadAllText(Path.Combine(_folder, "privacy.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void OutputFiles_HoldNeitherCanariesNorCoinsNorTheKey()
    {
        TrainingResult result = Train(Config(6) with { SaveEvery = 3 }, _folder);

        CanarySet canaries = CanarySet.Create(s_key, s_audit, 2048);
        string key = Convert.ToBase64String(s_key);
        // JSON writes '+' and '/' escaped, so the key is looked for both ways.
        string keyInJson = System.Text.Encodings.Web.JavaScriptEncoder.Default.Encode(key);
        var files = Directory.EnumerateFiles(_folder, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.EndsWith("privacy.json", StringComparison.Ordinal));
        foreach (string file in files)
        {
            string text = ReadableText(file);
            foreach (TokenizedExample canary in canaries.Canaries)
            {
                // Any four consecutive ids, as JSON or text would write them.
                string ids = string.Join(",", canary.InputIds[..4]);
                Assert.DoesNotContain(ids, text.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
            }
            Assert.DoesNotContain("included", text, StringComparison.OrdinalIgnoreCase);
            // Only the checkpoint, which the service never serves, keeps the key a resumed run needs.
            if (Path.GetFileName(file) == "trainer_state.json")
            {
                Assert.Equal(s_key, Trainer.ReadCanaryKey(Path.GetDirectoryName(file)!));
            }
            else
            {
                Assert.DoesNotContain(key, text, StringComparison.Ordinal);
                Assert.DoesNotContain(keyInJson, text, StringComparison.Ordinal);
            }
        }
        Assert.Equal(64, result.Audit!.Canaries);
    }

    [Fact]
    public void UserFigures_CountNoCanary()
    {
        // One step is one epoch (six stories and every trained canary, one per row), so its tokens are the stories'.
        int trained = CanarySet.Create(s_key, s_audit, 2048).Trained.Count();
        List<TokenizedExample> stories = TinyStoriesFixture.Examples();
        TrainingConfig config = Config(1) with { MicroBatchSize = stories.Count + trained };
        using Transformer model = TinyStoriesFixture.LoadModel();
        using var generator = new Generator(config.Seed);
        using LoraModel lora = LoraModel.Attach(model, config.Lora, generator);
        using var trainer = new Trainer(model, lora, stories, [], config, Device.CPU, s_key);
        TrainingConfig byEpochs = config with { MaxSteps = null, Epochs = 3, MicroBatchSize = 2 };
        using var withoutAudit = new Trainer(model, lora, stories, [], byEpochs with { Audit = null }, Device.CPU);
        using var withAudit = new Trainer(model, lora, stories, [], byEpochs, Device.CPU, s_key);

        StepReport step = trainer.Step();

        Assert.Equal(stories.Sum(s => s.InputIds.Length), step.Tokens);
        Assert.Equal(9, withoutAudit.TotalSteps);
        Assert.Equal(withoutAudit.TotalSteps, withAudit.TotalSteps);
    }

    [Fact]
    public void Resume_RegeneratesTheSameCanaries_AndRefusesOthers()
    {
        TrainingResult full = Train(Config(8) with { SaveEvery = 4 }, Path.Combine(_folder, "full"));
        string checkpoint = Path.Combine(_folder, "full", "checkpoint-4");

        byte[]? key = Trainer.ReadCanaryKey(checkpoint);
        TrainingResult resumed = Train(Config(8), Path.Combine(_folder, "resumed"), key, resumeFrom: checkpoint);

        Assert.Equal(s_key, key);
        Assert.Equal(full.LossHistory, resumed.LossHistory);
        AuditReport before = full.Audit!;
        AuditReport after = resumed.Audit!;
        Assert.Equal(before, after with { GuessCountsTried = before.GuessCountsTried });
        Assert.Equal(before.GuessCountsTried, after.GuessCountsTried);
        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => Train(Config(8), Path.Combine(_folder, "other"), CanarySet.NewKey(), resumeFrom: checkpoint));
        Assert.Contains("other canaries", refused.Message, StringComparison.Ordinal);
    }

    // Safetensors files are binary; their JSON header and any text in them is what could hold ids.
    private static string ReadableText(string file) => Encoding.Latin1.GetString(File.ReadAllBytes(file));
}
