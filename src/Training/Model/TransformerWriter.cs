using FineTune.Contracts.Models;
using FineTune.Torch;
using FineTune.Torch.Safetensors;

namespace FineTune.Training.Model;

/// <summary>
/// Saves a model as a Hugging Face folder: its weights (e.g. with LoRA merged in) as safetensors, plus config,
/// generation config and tokenizer files copied from the folder it was loaded from.
/// </summary>
public static class TransformerWriter
{
    private static readonly string[] s_copiedFiles = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

    /// <summary>Writes <paramref name="model"/> into <paramref name="folder"/>; a tied head is stored once, as HF does.</summary>
    public static void Save(Transformer model, string sourceFolder, string folder)
    {
        ArgumentNullException.ThrowIfNull(model);
        Directory.CreateDirectory(folder);
        using (var scope = TensorScope.Begin())
        {
            var tensors = InLayoutOrder(model).Select(w => w.Value.ToSafetensor(w.Key)).ToList();
            SafetensorsWriter.Write(Path.Combine(folder, SafetensorsCheckpoint.SingleFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        }
        CopyFiles(sourceFolder, folder, s_copiedFiles);
    }

    /// <summary>
    /// The model's weights in the order and shapes of its <see cref="WeightLayout"/>, so the folder written is exactly
    /// what the loader reads back; a weight missing or of another shape is a bug here, not a file to write.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, Tensor>> InLayoutOrder(Transformer model)
    {
        Dictionary<string, Tensor> weights = model.NamedWeights().ToDictionary(w => w.Key, w => w.Value, StringComparer.Ordinal);
        foreach (WeightTensor expected in WeightLayout.Of(model.Config).Tensors)
        {
            if (!weights.TryGetValue(expected.Name, out Tensor? tensor) || !tensor.shape.SequenceEqual(expected.Shape))
            {
                throw new InvalidOperationException($"the model has no weight '{expected.Name}' of shape [{string.Join(", ", expected.Shape)}] to write");
            }
            yield return KeyValuePair.Create(expected.Name, tensor);
        }
    }

    /// <summary>
    /// Copies the named files that exist in <paramref name="sourceFolder"/> into <paramref name="folder"/>. The copies
    /// are made writable: sources are often read-only assets, and the copies belong to the new folder.
    /// </summary>
    public static void CopyFiles(string sourceFolder, string folder, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (string file in names.Where(f => File.Exists(Path.Combine(sourceFolder, f))))
        {
            string destination = Path.Combine(folder, file);
            File.Copy(Path.Combine(sourceFolder, file), destination, overwrite: true);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(destination, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }
        }
    }
}
