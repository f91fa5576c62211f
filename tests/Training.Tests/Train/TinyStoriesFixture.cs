using FineTune.Contracts.Configs;
using FineTune.Contracts.Events;
using FineTune.Testing;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Text.Tokenization;
using FineTune.Training.Model;
using FineTune.Training.Train;

namespace FineTune.Training.Tests.Train;

/// <summary>The real tinystories-656k model and a handful of short stories tokenized for training.</summary>
internal static class TinyStoriesFixture
{
    public static readonly string ModelFolder = RepoPaths.Model("tinystories-656k");

    private static readonly string[] s_stories =
    [
        "Tom had a red ball. He threw it to his dog. The dog ran fast and brought it back.",
        "Sara liked to paint. She painted a big yellow sun and showed it to her mom.",
        "The cat sat on the mat. It was warm and sunny. The cat fell asleep.",
        "Ben and Mia built a tall tower of blocks. The tower fell down and they laughed.",
        "A little bird sang in the tree every morning. The children loved to hear it.",
        "Max found a shiny stone in the garden. He put it in his pocket and smiled.",
    ];

    public static Transformer LoadModel() => TransformerLoader.Load(ModelFolder);

    /// <summary>
    /// Trains a fresh adapter (seeded by the config) on <see cref="Examples"/> with base weights of
    /// <paramref name="dtype"/> on the CPU, writing to <paramref name="output"/>; <paramref name="inspect"/> sees the
    /// trained adapter before it is disposed.
    /// </summary>
    public static TrainingResult Train(TrainingConfig config, string output, ScalarType dtype = ScalarType.Float32, Action<LoraModel>? inspect = null)
    {
        using Transformer model = TransformerLoader.Load(ModelFolder, dtype);
        using var generator = new Generator(config.Seed);
        using LoraModel lora = LoraModel.Attach(model, config.Lora, generator);
        using var trainer = new Trainer(model, lora, Examples(), [], config, Device.CPU);
        TrainingResult result = trainer.Run(output, "tinystories-656k");
        inspect?.Invoke(lora);
        return result;
    }

    /// <summary>Each story as one example; loss on every token after BOS.</summary>
    public static List<TokenizedExample> Examples(int count = 6)
    {
        Tokenizer tokenizer = Tokenizer.FromFolder(ModelFolder);
        return s_stories.Take(count).Select(story =>
        {
            int[] ids = tokenizer.Encode(story);
            bool[] mask = ids.Select((_, i) => i > 0).ToArray();
            return new TokenizedExample(ids, mask);
        }).ToList();
    }
}
