using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Models;
using FineTune.Torch;
using FineTune.Torch.Safetensors;
using FineTune.Training.Model;

namespace FineTune.Training.Lora;

/// <summary>
/// Reads and writes adapters in Hugging Face PEFT's format: <c>adapter_model.safetensors</c> (A as (r, in), B as
/// (out, r), keys <c>base_model.model.&lt;module&gt;.lora_A.weight</c>) and <c>adapter_config.json</c>, which PEFT's
/// <c>PeftModel.from_pretrained</c> and vLLM's LoRA loader accept.
/// </summary>
public static class PeftAdapter
{
    /// <summary>File name of the weights.</summary>
    public const string WeightsFile = "adapter_model.safetensors";

    /// <summary>File name of the configuration.</summary>
    public const string ConfigFile = "adapter_config.json";

    /// <summary>Writes the adapter into <paramref name="folder"/> (files replaced atomically).</summary>
    public static void Save(LoraModel lora, string folder, string baseModelNameOrPath, IReadOnlyDictionary<string, string>? extraConfig = null)
    {
        ArgumentNullException.ThrowIfNull(lora);
        Directory.CreateDirectory(folder);
        SafetensorsWriter.Write(
            Path.Combine(folder, WeightsFile),
            lora.NamedParameters.Select(p => p.Value.ToSafetensor(p.Key)).ToList(),
            new Dictionary<string, string> { ["format"] = "pt" });
        var config = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["base_model_name_or_path"] = baseModelNameOrPath,
            ["r"] = lora.Config.Rank,
            ["lora_alpha"] = lora.Config.Alpha,
            ["lora_dropout"] = lora.Config.Dropout,
            ["target_modules"] = new JsonArray(lora.AdaptedModuleNames.Select(n => (JsonNode)n!).ToArray()),
            ["use_rslora"] = lora.Config.UseRsLora,
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["modules_to_save"] = null,
            ["layers_to_transform"] = null,
            ["layers_pattern"] = null,
            ["rank_pattern"] = new JsonObject(),
            ["alpha_pattern"] = new JsonObject(),
            ["use_dora"] = false,
            ["revision"] = null,
        };
        foreach (var (key, value) in extraConfig ?? new Dictionary<string, string>())
        {
            config[key] = value;
        }
        string path = Path.Combine(folder, ConfigFile);
        File.WriteAllText(path + ".tmp", config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>Reads the LoRA settings of a saved adapter.</summary>
    public static LoraConfig ReadConfig(string folder)
    {
        string path = Path.Combine(folder, ConfigFile);
        if (!File.Exists(path))
        {
            throw new ModelFormatException($"{folder} is not a PEFT adapter: {ConfigFile} is missing");
        }
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = json.RootElement;
        string peftType = root.TryGetProperty("peft_type", out JsonElement type) ? type.GetString() ?? "" : "";
        if (peftType != "LORA")
        {
            throw new ModelFormatException($"{path}: peft_type '{peftType}' is not LORA");
        }
        JsonElement targets = root.GetProperty("target_modules");
        return new LoraConfig
        {
            Rank = root.GetProperty("r").GetInt32(),
            Alpha = root.GetProperty("lora_alpha").GetDouble(),
            Dropout = root.TryGetProperty("lora_dropout", out JsonElement d) ? d.GetDouble() : 0,
            UseRsLora = root.TryGetProperty("use_rslora", out JsonElement rs) && rs.ValueKind == JsonValueKind.True,
            TargetModules = targets.ValueKind == JsonValueKind.String ? [targets.GetString()!] : targets.EnumerateArray().Select(t => t.GetString()!).ToArray(),
        };
    }

    /// <summary>Attaches a saved adapter to a model; every expected key must be present with the right shape.</summary>
    public static LoraModel Load(Transformer model, string folder)
    {
        LoraConfig config = ReadConfig(folder);
        using var generator = new Generator(0);
        LoraModel lora = LoraModel.Attach(model, config, generator);
        try
        {
            using SafetensorsFile file = SafetensorsFile.Open(Path.Combine(folder, WeightsFile));
            using var noGrad = torch.no_grad();
            foreach (var (key, parameter) in lora.NamedParameters)
            {
                if (!file.Tensors.ContainsKey(key))
                {
                    throw new ModelFormatException($"{folder}/{WeightsFile} lacks '{key}'");
                }
                using Tensor stored = file.LoadTensor(key);
                if (!stored.shape.SequenceEqual(parameter.shape))
                {
                    throw new ModelFormatException($"{folder}/{WeightsFile}: '{key}' has shape [{string.Join(", ", stored.shape)}], the model needs [{string.Join(", ", parameter.shape)}]");
                }
                parameter.copy_(stored).Dispose();
            }
            return lora;
        }
        catch
        {
            lora.Dispose();
            throw;
        }
    }
}
