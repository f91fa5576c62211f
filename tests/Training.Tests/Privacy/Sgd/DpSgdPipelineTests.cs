using FineTune.Contracts.Configs;
using FineTune.Privacy;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Privacy.Sgd;
using FineTune.Training.Tests.Train;
using FineTune.Training.Train;
using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Training.Tests.Privacy.Sgd;

/// <summary>The building blocks wired as the DP trainer will: sample, capture, clip, noise, scale, step, account.</summary>
public sealed class DpSgdPipelineTests
{
    [Fact]
    public void Steps_PoissonBatchesThroughTheRealModel_UpdateLoraAndChargeOncePerStep()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using var generator = new Generator(1);
        using LoraModel lora = LoraModel.Attach(model, new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0.1, TargetModules = ["all-linear"] }, generator);
        List<TokenizedExample> examples = TinyStoriesFixture.Examples();
        var sampler = new PoissonSampler(examples.Count, expectedBatchSize: 3, seed: 10);
        var accountant = new RdpAccountant();
        using var optimizer = new DpOptimizer(lora.NamedParameters, noiseMultiplier: 1.0, maxGradNorm: 1.0, sampler.ExpectedBatchSize, noiseSeed: 20);
        optimizer.AttachAccountant(accountant, sampler.SampleRate);
        using var adamW = new AdamW(lora.NamedParameters);
        using DpLoraCapture capture = DpLoraCapture.Attach(lora);
        using Tensor bBefore = lora.Adapters[0].B.clone();

        for (int step = 0; step < 4; step++)
        {
            int[] batch = sampler.NextBatch();
            foreach (int[] micro in batch.Chunk(2))
            {
                using var scope = TensorScope.Begin();
                // One example per row: rows stay independent, as record-level DP requires.
                using PackedBatch packed = PackedBatch.Build(micro.Select(i => (IReadOnlyList<TokenizedExample>)[examples[i]]).ToList(), 64, Device.CPU);
                Tensor logits = model.Forward(packed.InputIds, packing: packed.Packing);
                Tensor loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), packed.Targets.reshape(-1), ignoreIndex: PackedBatch.IgnoreIndex, reduction: torch.nn.Reduction.Sum);
                IReadOnlyList<KeyValuePair<string, Tensor>> perSample = capture.ComputePerSampleGradients(loss);
                optimizer.ClipAndAccumulate(perSample);
                Assert.Equal(micro.Length, perSample[0].Value.size(0));
                foreach (var (_, gradient) in perSample)
                {
                    gradient.Dispose();
                }
            }
            optimizer.Step(() => adamW.Step(1e-3));
            adamW.ZeroGrad();
        }

        Assert.Equal([new PrivacyHistoryEntry(1.0, 0.5, 4)], accountant.History);
        Assert.True(lora.Adapters[0].B.sub(bBefore).abs().max().item() > 0);
        Assert.All(lora.NamedParameters, p => Assert.True(p.Value.isfinite().logical_not().sum().item() == 0));
        Assert.Equal(0, capture.ActivationCount);
    }
}
