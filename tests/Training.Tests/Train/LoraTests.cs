using FineTune.Contracts.Configs;
using FineTune.Torch;
using FineTune.Torch.Safetensors;
using FineTune.Training.Lora;
using FineTune.Training.Model;

namespace FineTune.Training.Tests.Train;

public sealed class LoraTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "finetune-lora-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static Tensor Logits(Transformer model)
    {
        using var noGrad = torch.no_grad();
        using Tensor ids = torch.tensor(new long[] { 1, 147, 201, 282, 215 }, [1, 5]);
        return model.Forward(ids);
    }

    private static double MaxDifference(Tensor a, Tensor b)
    {
        using Tensor difference = a.sub(b).abs().max();
        return difference.item();
    }

    [Fact]
    public void Attach_FreshAdapters_LeaveTheModelUnchangedAndTrainOnlyAB()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using Tensor before = Logits(model);
        using var generator = new Generator(1);

        using LoraModel lora = LoraModel.Attach(model, new LoraConfig { Rank = 4, TargetModules = ["all-linear"] }, generator);
        lora.SetTraining(false);
        using Tensor after = Logits(model);

        Assert.Equal(0.0, MaxDifference(before, after));
        Assert.Equal(14, lora.Adapters.Count);
        Assert.All(model.Linears, l => Assert.False(l.Weight.requires_grad));
        Assert.All(lora.NamedParameters, p => Assert.True(p.Value.requires_grad));
        double bound = 1 / Math.Sqrt(128);
        Assert.All(lora.Adapters.Where(a => a.Target.InFeatures == 128), a => Assert.True(a.A.abs().max().item() <= bound));
    }

    [Fact]
    public void Merge_EqualsAdapterOutput_AndUnmergeRestoresTheBaseWeight()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using Tensor baseLogits = Logits(model);
        using var generator = new Generator(2);
        using LoraModel lora = LoraModel.Attach(model, new LoraConfig { Rank = 4, Alpha = 8, TargetModules = ["q_proj", "v_proj", "down_proj"] }, generator);
        lora.SetTraining(false);
        using (torch.no_grad())
        {
            foreach (LoraLinear adapter in lora.Adapters)
            {
                adapter.B.normal_(0, 0.05, generator).Dispose();
            }
        }
        using Tensor adapted = Logits(model);
        Linear q0 = lora.Adapters[0].Target;
        using Tensor weightBefore = q0.Weight.clone();

        lora.Merge();
        using Tensor merged = Logits(model);
        lora.Unmerge();
        using Tensor unmerged = Logits(model);

        Assert.True(MaxDifference(adapted, baseLogits) > 1e-3);
        Assert.True(MaxDifference(merged, adapted) < 1e-4);
        Assert.True(MaxDifference(unmerged, adapted) < 1e-4);
        Assert.True(MaxDifference(q0.Weight, weightBefore) < 1e-6);
    }

    [Fact]
    public void PeftSave_WritesPeftKeysShapesAndConfig_AndLoadReproducesTheOutput()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using var generator = new Generator(3);
        Tensor adaptedLogits;
        using (LoraModel lora = LoraModel.Attach(model, new LoraConfig { Rank = 4, Alpha = 8, UseRsLora = true, TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj"] }, generator))
        {
            lora.SetTraining(false);
            using (torch.no_grad())
            {
                lora.Adapters.ToList().ForEach(a => a.B.normal_(0, 0.05, generator).Dispose());
            }
            adaptedLogits = Logits(model);
            PeftAdapter.Save(lora, _folder, "tinystories-656k");
        }

        using (SafetensorsFile file = SafetensorsFile.Open(Path.Combine(_folder, PeftAdapter.WeightsFile)))
        {
            Assert.Equal([4L, 128L], file.GetInfo("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").Shape);
            Assert.Equal([64L, 4L], file.GetInfo("base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight").Shape);
            Assert.Equal(16, file.Tensors.Count);
        }
        string config = File.ReadAllText(Path.Combine(_folder, PeftAdapter.ConfigFile));
        foreach (string field in new[] { "\"peft_type\": \"LORA\"", "\"task_type\": \"CAUSAL_LM\"", "\"r\": 4", "\"lora_alpha\": 8", "\"use_rslora\": true", "\"bias\": \"none\"", "\"fan_in_fan_out\": false", "\"inference_mode\": true", "\"base_model_name_or_path\": \"tinystories-656k\"" })
        {
            Assert.Contains(field, config);
        }
        using LoraModel loaded = PeftAdapter.Load(model, _folder);
        loaded.SetTraining(false);
        using Tensor reloaded = Logits(model);
        Assert.Equal(0.0, MaxDifference(reloaded, adaptedLogits));
        adaptedLogits.Dispose();
    }

    [Fact]
    public void Bf16Base_AddsTheFloat32Term_InFloat32_RoundingOnce_AsPeftDoes()
    {
        // PEFT: result = base(x) (bf16) + lora_B(lora_A(x.float())) · s (float32), a float32 sum, then .to(bf16).
        using Transformer model = TransformerLoader.Load(TinyStoriesFixture.ModelFolder, ScalarType.BFloat16);
        using var generator = new Generator(4);
        using LoraModel lora = LoraModel.Attach(model, new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0, TargetModules = ["up_proj"] }, generator);
        LoraLinear adapter = lora.Adapters[0];
        using var scope = TensorScope.Begin();
        using var noGrad = torch.no_grad();
        adapter.B.normal_(0, 0.05, generator).Dispose();
        Tensor input = torch.randn([2, 16, adapter.Target.InFeatures], ScalarType.Float32, generator: generator).to(ScalarType.BFloat16);

        Tensor output = adapter.Target.Forward(input);

        Tensor baseOutput = torch.nn.functional.linear(input, adapter.Target.Weight);
        Tensor term = adapter.Forward(input);
        Assert.Equal(ScalarType.Float32, term.dtype);
        Tensor peft = baseOutput.to(ScalarType.Float32).add(term).to(ScalarType.BFloat16);
        Tensor roundedTwice = baseOutput.add(term.to(ScalarType.BFloat16));
        Assert.Equal(ScalarType.BFloat16, output.dtype);
        Assert.Equal(0.0, MaxDifference(output.to(ScalarType.Float32), peft.to(ScalarType.Float32)));
        // The input is one where rounding the term first gives other values, so the assertion above tells them apart.
        Assert.True(MaxDifference(roundedTwice.to(ScalarType.Float32), peft.to(ScalarType.Float32)) > 0);
    }

    [Fact]
    public void Config_UnknownTarget_IsRejectedNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => new LoraConfig { TargetModules = ["qkv"] }.Validate());

        Assert.Contains("qkv", error.Message);
    }
}
