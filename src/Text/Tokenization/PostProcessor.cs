using System.Text.Json;

namespace FineTune.Text.Tokenization;

/// <summary>
/// A <c>post_processor</c> from <c>tokenizer.json</c>, applied to a single sequence: TemplateProcessing inserts its
/// special tokens only when special tokens are requested; ByteLevel changes no ids.
/// </summary>
internal abstract class PostProcessor
{
    /// <summary>Returns the final ids for the encoded <paramref name="ids"/>.</summary>
    public abstract List<int> Process(List<int> ids, bool addSpecialTokens);

    /// <summary>Builds the post-processor described by <paramref name="config"/>; null when it is JSON null.</summary>
    public static PostProcessor? Create(JsonElement? config, Func<string, int?> resolveTokenId, string sourcePath)
    {
        if (config is not { } element)
        {
            return null;
        }

        switch (element.TypeName())
        {
            case "ByteLevel":
                return new IdentityPostProcessor();
            case "Sequence":
            {
                var steps = new List<PostProcessor>();
                if (element.Get("processors") is { } list)
                {
                    foreach (JsonElement item in list.EnumerateArray())
                    {
                        if (Create(item, resolveTokenId, sourcePath) is { } step)
                        {
                            steps.Add(step);
                        }
                    }
                }

                return new SequencePostProcessor(steps);
            }

            case "TemplateProcessing":
                return CreateTemplate(element, resolveTokenId, sourcePath);
            default:
                throw JsonConfig.Unsupported("PostProcessor", element, sourcePath);
        }
    }

    private static TemplatePostProcessor CreateTemplate(JsonElement element, Func<string, int?> resolveTokenId,
        string sourcePath)
    {
        // Each item is a special token id (>= 0) or the input sequence (-1); pair templates are not used here.
        var items = new List<int>();
        if (element.Get("single") is not { ValueKind: JsonValueKind.Array } single)
        {
            throw new InvalidDataException($"TemplateProcessing in '{sourcePath}' has no 'single' template.");
        }

        foreach (JsonElement item in single.EnumerateArray())
        {
            if (item.Get("SpecialToken") is { } special)
            {
                string token = special.GetString("id") ?? string.Empty;
                int id = resolveTokenId(token) ?? throw new InvalidDataException(
                    $"Template special token '{token}' in '{sourcePath}' is not in the vocabulary.");
                items.Add(id);
            }
            else if (item.Get("Sequence")?.GetString("id") == "A")
            {
                items.Add(-1);
            }
        }

        return new TemplatePostProcessor(items);
    }

    private sealed class IdentityPostProcessor : PostProcessor
    {
        public override List<int> Process(List<int> ids, bool addSpecialTokens) => ids;
    }

    private sealed class SequencePostProcessor(List<PostProcessor> steps) : PostProcessor
    {
        public override List<int> Process(List<int> ids, bool addSpecialTokens)
        {
            foreach (PostProcessor step in steps)
            {
                ids = step.Process(ids, addSpecialTokens);
            }

            return ids;
        }
    }

    private sealed class TemplatePostProcessor(List<int> items) : PostProcessor
    {
        public override List<int> Process(List<int> ids, bool addSpecialTokens)
        {
            var result = new List<int>(ids.Count + items.Count);
            foreach (int item in items)
            {
                if (item < 0)
                {
                    result.AddRange(ids);
                }
                else if (addSpecialTokens)
                {
                    result.Add(item);
                }
            }

            return result;
        }
    }
}
