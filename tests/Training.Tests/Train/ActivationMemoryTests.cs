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

    private const int Batch = 4;
    private const int Tokens = 256;

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

    private static long KeptByForward(Transformer model, LoraConfig loraConfig)
    {
        using var generator = new Generator(0);
        using LoraModel lora = LoraModel.Attach(model, loraConfig, generator);
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
    public void Forward_WithLoraDropout_KeepsNoMoreThanTheEstimateCounts()
    {
        using Transformer model = HalfLlama30m();
        var withDropout = new LoraConfig { Rank = 16, Alpha = 32, Dropout = 0.05, TargetModules = ["all-linear"] };
        var training = new TrainingConfig { MicroBatchSize = Batch, MaxSeqLength = Tokens, Lora = withDropout };
        long Estimated(LoraConfig lora)
        {
            MemoryEstimate estimate = MemoryEstimate.For(model.Config, model.ParameterCount, training with { Lora = lora }, WeightDType.Float32, cuda: false);
            return estimate.ActivationBytes + estimate.LogitsBytes;
        }

        long kept = KeptByForward(model, withDropout);
        long keptWithoutDropout = KeptByForward(model, withDropout with { Dropout = 0 });

        Assert.True(kept <= Estimated(withDropout), $"kept {kept:N0} bytes, estimated {Estimated(withDropout):N0}");
        Assert.True(keptWithoutDropout <= Estimated(withDropout with { Dropout = 0 }), $"without dropout kept {keptWithoutDropout:N0} bytes, estimated {Estimated(withDropout with { Dropout = 0 }):N0}");
        // Dropout's own copies are most of the difference: the estimate without them would not cover the run.
        Assert.True(kept > Estimated(withDropout with { Dropout = 0 }), $"kept {kept:N0} bytes, estimated without dropout's copies {Estimated(withDropout with { Dropout = 0 }):N0}");
    }
}

[CollectionDefinition(ActivationMemoryTests.Name, DisableParallelization = true)]
public sealed class ActivationMemorySerial
{
}
