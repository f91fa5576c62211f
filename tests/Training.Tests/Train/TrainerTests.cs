using FineTune.Contracts.Configs;
using FineTune.Contracts.Events;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Train;

namespace FineTune.Training.Tests.Train;

public sealed class TrainerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "finetune-train-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static TrainingConfig Config(long steps) => new()
    {
        MaxSteps = steps,
        LearningRate = 5e-3,
        MicroBatchSize = 2,
        GradientAccumulation = 2,
        MaxSeqLength = 64,
        WarmupRatio = 0,
        Lora = new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0.1, TargetModules = ["all-linear"] },
    };

    private static TrainingResult Train(TrainingConfig config, string output, string? resumeFrom = null)
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using var generator = new Generator(config.Seed);
        using LoraModel lora = LoraModel.Attach(model, config.Lora, generator);
        var examples = TinyStoriesFixture.Examples();
        using var trainer = new Trainer(model, lora, examples, examples.Take(2).ToList(), config, Device.CPU);
        return trainer.Run(output, "tinystories-656k", resumeFrom);
    }

    [Fact]
    public void Run_SmallDataset_LossFallsAndOutputsArePeftAndResult()
    {
        TrainingResult result = Train(Config(30) with { EvalEvery = 10 }, _folder);

        Assert.True(result.Completed);
        Assert.Equal(StopReason.MaxSteps, result.StopReason);
        Assert.Equal(30, result.Steps);
        Assert.True(result.LossHistory[^1] < result.LossHistory[0] * 0.8, $"loss {result.LossHistory[0]} -> {result.LossHistory[^1]}");
        Assert.Equal([10L, 20, 30], result.EvalLosses.Select(e => e.Step));
        Assert.True(result.TokensPerSecond > 0);
        Assert.True(File.Exists(Path.Combine(_folder, "adapter_model.safetensors")));
        Assert.True(File.Exists(Path.Combine(_folder, "adapter_config.json")));
        Assert.Contains("\"stop_reason\": \"max_steps\"", File.ReadAllText(Path.Combine(_folder, "result.json")));
        Assert.Equal(33, File.ReadAllLines(Path.Combine(_folder, "training_log.jsonl")).Length);
    }

    [Fact]
    public void Resume_FromCheckpoint_ReproducesTheUninterruptedLossesBitForBit()
    {
        string full = Path.Combine(_folder, "full");
        string interrupted = Path.Combine(_folder, "interrupted");
        TrainingResult uninterrupted = Train(Config(6), full);
        Train(Config(6) with { SaveEvery = 3 }, interrupted);

        TrainingResult resumed = Train(Config(6), Path.Combine(_folder, "resumed"), resumeFrom: Path.Combine(interrupted, "checkpoint-3"));

        Assert.Equal(uninterrupted.LossHistory, resumed.LossHistory);
        Assert.Equal(6, resumed.Steps);
    }

    [Fact]
    public void Resume_FromACheckpointPackedByNextFit_ReplaysItsRows_AndRefusesTheNewLayout()
    {
        // A checkpoint written before best fit decreasing has no row layout: its cursor, steps and schedule were
        // planned over next-fit rows, so the run must resume over those rows, and refuses any others.
        string full = Path.Combine(_folder, "full");
        string interrupted = Path.Combine(_folder, "interrupted");
        TrainingConfig nextFit = Config(6) with { NextFitPacking = true };
        TrainingResult uninterrupted = Train(nextFit, full);
        Train(nextFit with { SaveEvery = 3 }, interrupted);
        string checkpoint = Path.Combine(interrupted, "checkpoint-3");
        string statePath = Path.Combine(checkpoint, "trainer_state.json");
        var state = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(statePath))!.AsObject();
        Assert.Equal("next_fit", state["row_layout"]!.GetValue<string>());
        state.Remove("row_layout");
        File.WriteAllText(statePath, state.ToJsonString());

        bool usesNextFit = Trainer.UsesNextFitPacking(checkpoint);
        TrainingResult resumed = Train(nextFit, Path.Combine(_folder, "resumed"), resumeFrom: checkpoint);
        var refused = Assert.Throws<InvalidDataException>(() => Train(Config(6), Path.Combine(_folder, "refused"), resumeFrom: checkpoint));

        Assert.True(usesNextFit);
        Assert.Equal(uninterrupted.LossHistory, resumed.LossHistory);
        Assert.Contains("packed its rows by next_fit, this run by best_fit_decreasing", refused.Message);
        Train(Config(4) with { SaveEvery = 3 }, Path.Combine(_folder, "new"));
        Assert.False(Trainer.UsesNextFitPacking(Path.Combine(_folder, "new", "checkpoint-3")));
    }

    [Fact]
    public void PackedRow_GivesTheSameLossAsSeparateRows()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        var examples = TinyStoriesFixture.Examples(2);
        using var noGrad = torch.no_grad();
        double Loss(IReadOnlyList<IReadOnlyList<TokenizedExample>> rows)
        {
            using var scope = TensorScope.Begin();
            using PackedBatch batch = PackedBatch.Build(rows, 128, Device.CPU);
            Tensor logits = model.Forward(batch.InputIds, packing: batch.Packing);
            return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), batch.Targets.reshape(-1), reduction: torch.nn.Reduction.Sum).item();
        }

        double packed = Loss([examples]);
        double separate = Loss([[examples[0]], [examples[1]]]);

        Assert.Equal(separate, packed, 3);
    }

    [Fact]
    public void Run_DivergingLearningRate_StopsWithAClearError()
    {
        var error = Assert.Throws<TrainingDivergedException>(() => Train(Config(20) with { LearningRate = 1e30, MaxGradNorm = 0 }, _folder));

        Assert.Contains("learning rate", error.Message);
    }
}

public sealed class TrainerCancellationTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "finetune-cancel-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private sealed class CancelAfter(int step, CancellationTokenSource source) : ITrainingCallbacks
    {
        public List<(long Step, string Folder)> Checkpoints { get; } = new();

        public void OnStep(StepReport report)
        {
            if (report.Step == step)
            {
                source.Cancel();
            }
        }

        public void OnCheckpoint(long step, string folder) => Checkpoints.Add((step, folder));
    }

    [Fact]
    public void Cancel_MidRun_StopsBeforeTheNextStepAndCheckpointsTheProgress()
    {
        using var source = new CancellationTokenSource();
        var callbacks = new CancelAfter(3, source);
        var config = new TrainingConfig { MaxSteps = 10, MicroBatchSize = 2, MaxSeqLength = 64, Lora = new LoraConfig { Rank = 2, Dropout = 0 } };
        using Transformer model = TinyStoriesFixture.LoadModel();
        using var generator = new Generator(1);
        using LoraModel lora = LoraModel.Attach(model, config.Lora, generator);
        using var trainer = new Trainer(model, lora, TinyStoriesFixture.Examples(), [], config, Device.CPU) { Callbacks = callbacks };

        TrainingResult result = trainer.Run(_folder, "tinystories-656k", cancellationToken: source.Token);

        Assert.Equal(StopReason.Cancelled, result.StopReason);
        Assert.Contains("\"stop_reason\": \"cancelled\"", File.ReadAllText(Path.Combine(_folder, "result.json")));
        Assert.False(result.Completed);
        Assert.Equal(3, result.Steps);
        Assert.Equal((3L, Path.Combine(_folder, "checkpoint-3")), Assert.Single(callbacks.Checkpoints));
        Assert.True(File.Exists(Path.Combine(_folder, "checkpoint-3", "trainer_state.json")));
    }
}
