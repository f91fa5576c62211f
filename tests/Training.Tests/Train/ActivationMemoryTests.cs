using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Configs;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;

namespace FineTune.Training.Tests.Train;

/// <summary>
/// MemoryEstimate against what a forward pass really keeps for backward on the CPU: the bytes glibc's malloc holds
/// (libtorch allocates CPU tensors with it) after the forward, less those it held before. An under-estimate hands a
/// job to a worker that runs out of memory, so the estimate must cover the measurement. Runs alone (no other test
/// allocates meanwhile), after the finalizers of tensors other tests dropped.
/// </summary>
[Collection(Name)]
public sealed class ActivationMemoryTests : IDisposable
{
    public const string Name = "malloc's bytes in use";

    private const int Batch = 4;
    private const int Tokens = 256;

    private static readonly LoraConfig s_withDropout = new() { Rank = 16, Alpha = 32, Dropout = 0.05, TargetModules = ["all-linear"] };
    private static readonly TrainingConfig s_training = new() { MicroBatchSize = Batch, MaxSeqLength = Tokens, Lora = s_withDropout };

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "finetune-activations-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    // init-model's llama-30m preset at half its width and layers (the same proportions of attention, MLP, scores and
    // vocabulary to width), written with random weights in a second.
    private Transformer HalfLlama30m()
    {
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["model_type"] = "llama",
            ["hidden_size"] = 256,
            ["intermediate_size"] = 704,
            ["num_hidden_layers"] = 4,
            ["num_attention_heads"] = 4,
            ["num_key_value_heads"] = 4,
            ["vocab_size"] = 1024,
            ["rope_theta"] = 10000,
            ["rms_norm_eps"] = 1e-5,
            ["tie_word_embeddings"] = true,
            ["max_position_embeddings"] = 1024,
            ["hidden_act"] = "silu",
        };
        RandomModelWriter.Write(config, _folder, ScalarType.Float32, seed: 0);
        return TransformerLoader.Load(_folder);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena, OrdBlks, SmBlks, HBlks, HBlkHd, USmBlks, FSmBlks, UOrdBlks, FOrdBlks, KeepCost;
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 MallocInfo();

    // Bytes handed out by malloc: in heap chunks and in mapped blocks.
    private static long MallocInUse()
    {
        MallInfo2 info = MallocInfo();
        return (long)info.UOrdBlks + (long)info.HBlkHd;
    }

    // With dropoutMasks the adapters draw their masks from a generator of their own, as the trainer sets one; without,
    // they run the composed dropout, as DP-SGD's capture does (it keeps each dropped input for per-sample gradients).
    private static long KeptByForward(Transformer model, LoraConfig loraConfig, bool dropoutMasks)
    {
        using var generator = new Generator(0);
        using var masks = new Generator(1);
        using LoraModel lora = LoraModel.Attach(model, loraConfig, generator);
        foreach (LoraLinear adapter in lora.Adapters)
        {
            adapter.DropoutGenerator = dropoutMasks ? masks : null;
        }
        using var scope = TensorScope.Begin();
        long[] ids = Enumerable.Range(0, Batch * Tokens).Select(i => (long)((i * 7919) % model.Config.VocabSize)).ToArray();
        Tensor inputIds = torch.tensor(ids, [Batch, Tokens]);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = MallocInUse();
        Tensor logits = model.Forward(inputIds);
        long kept = MallocInUse() - before;
        logits.sum().backward();
        return kept;
    }

    [Fact]
    public void Forward_WithLoraDropout_KeepsOneByteMasks_AndNoMoreThanTheEstimateCounts()
    {
        using Transformer model = HalfLlama30m();
        long estimated = Estimated(model, s_training);

        long kept = KeptByForward(model, s_withDropout, dropoutMasks: true);
        long keptWithoutDropout = KeptByForward(model, s_withDropout with { Dropout = 0 }, dropoutMasks: true);

        Assert.True(kept <= estimated, $"kept {kept:N0} bytes, estimated {estimated:N0}");
        // Every adapted layer's mask, one byte per input feature and token (q, k, v, o, gate, up: the width; down: the
        // MLP's); the composed ops kept each adapter's dropped float copy as well, ~5 bytes.
        long masks = (long)Batch * Tokens * model.Config.NumLayers * ((6L * model.Config.HiddenSize) + model.Config.IntermediateSize);
        Assert.InRange(kept - keptWithoutDropout, masks / 2, 2 * masks);
    }

    [Fact]
    public void Forward_OfDpSgdsCapture_KeepsTheDroppedCopies_AndTheEstimateCountsThem()
    {
        using Transformer model = HalfLlama30m();
        long estimatedDp = Estimated(model, s_training with { Privacy = new PrivacyConfig { NoiseMultiplier = 1.0, ExpectedBatchSize = Batch, Delta = 1e-5 } });

        long kept = KeptByForward(model, s_withDropout, dropoutMasks: false);

        Assert.True(kept <= estimatedDp, $"kept {kept:N0} bytes, estimated {estimatedDp:N0}");
        // Without the copies the estimate would not cover it.
        Assert.True(kept > Estimated(model, s_training), $"kept {kept:N0} bytes, estimated without the copies {Estimated(model, s_training):N0}");
    }

    // What the estimate counts for a micro-batch's forward on the CPU: activations and logits.
    private static long Estimated(Transformer model, TrainingConfig training)
    {
        MemoryEstimate estimate = MemoryEstimate.For(model.Config, model.ParameterCount, training, WeightDType.Float32, cuda: false);
        return estimate.ActivationBytes + estimate.LogitsBytes;
    }
}

[CollectionDefinition(ActivationMemoryTests.Name, DisableParallelization = true)]
public sealed class ActivationMemorySerial
{
}
