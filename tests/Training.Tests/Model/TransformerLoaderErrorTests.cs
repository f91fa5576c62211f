using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Contracts.Models;
using FineTune.Testing;
using FineTune.Torch.Safetensors;
using FineTune.Training.Model;

namespace FineTune.Training.Tests.Model;

public sealed class TransformerLoaderErrorTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "finetune-model-" + Guid.NewGuid().ToString("N"));

    public TransformerLoaderErrorTests()
    {
        Directory.CreateDirectory(_folder);
        foreach (string file in Directory.GetFiles(RepoPaths.Model("tinystories-656k")))
        {
            File.Copy(file, Path.Combine(_folder, Path.GetFileName(file)));
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void EditConfig(Action<JsonObject> edit)
    {
        string path = Path.Combine(_folder, "config.json");
        JsonObject config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(config);
        File.WriteAllText(path, config.ToJsonString());
    }

    [Fact]
    public void Load_UnknownModelType_NamesIt()
    {
        EditConfig(c => c["model_type"] = "gpt_neox");

        var error = Assert.Throws<ModelFormatException>(() => TransformerLoader.Load(_folder));

        Assert.Contains("gpt_neox", error.Message);
        Assert.Contains("llama", error.Message);
    }

    [Fact]
    public void Load_MissingTensor_NamesIt()
    {
        string weights = Path.Combine(_folder, "model.safetensors");
        List<SafetensorsTensor> kept;
        using (SafetensorsFile file = SafetensorsFile.Open(weights))
        {
            kept = file.Tensors.Values
                .Where(t => t.Name != "model.layers.1.mlp.up_proj.weight")
                .Select(t => new SafetensorsTensor(t.Name, t.DType, t.Shape, file.GetBytes(t.Name).ToArray()))
                .ToList();
        }
        SafetensorsWriter.Write(weights, kept, new Dictionary<string, string> { ["model.embed_tokens.weight"] = "lm_head.weight" });

        var error = Assert.Throws<ModelFormatException>(() => TransformerLoader.Load(_folder));

        Assert.Contains("model.layers.1.mlp.up_proj.weight", error.Message);
    }

    [Fact]
    public void Load_ConfigShapeDisagreesWithWeights_NamesTheTensor()
    {
        EditConfig(c => c["intermediate_size"] = 100);

        var error = Assert.Throws<ModelFormatException>(() => TransformerLoader.Load(_folder));

        Assert.Contains("gate_proj", error.Message);
        Assert.Contains("[384, 128]", error.Message);
    }

    [Fact]
    public void Load_NoConfig_SaysSo()
    {
        File.Delete(Path.Combine(_folder, "config.json"));

        var error = Assert.Throws<ModelFormatException>(() => TransformerLoader.Load(_folder));

        Assert.Contains("config.json", error.Message);
    }

    [Fact]
    public void RopeScaling_Llama3_KeepsHighAndScalesLowFrequencies()
    {
        using JsonDocument json = JsonDocument.Parse("""{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,"original_max_position_embeddings":8192}""");
        RopeScaling scaling = RopeScaling.FromJson(json.RootElement, "test")!;
        double high = 1.0;                       // wavelength 2π, far below 8192 / 4
        double low = 2 * Math.PI / 20000;        // wavelength 20000, above 8192 / 1
        double middle = 2 * Math.PI / 4096;      // wavelength 4096, between: smooth = (8192/4096 - 1) / 3 = 1/3

        double[] scaled = scaling.Apply([high, low, middle]);

        Assert.Equal(high, scaled[0], 15);
        Assert.Equal(low / 8, scaled[1], 15);
        Assert.Equal(((2.0 / 3) * middle / 8) + (middle / 3), scaled[2], 15);
    }
}
