using System.Collections.Concurrent;
using FineTune.Api.Contracts;
using FineTune.Persistence.Blobs;
using FineTune.Persistence.Entities;
using FineTune.Text.Chat;
using FineTune.Text.Data;
using FineTune.Text.Tokenization;

namespace FineTune.Api.Datasets;

/// <summary>
/// Renders the first examples of a stored dataset as the trainer will see them with a model: read by the trainer's
/// <see cref="DatasetReader"/>, encoded by its <see cref="ExampleEncoder"/> with the model's tokenizer and the chat
/// template the trainer would pick, and cut into masked (prompt) and trained runs. Torch-free, like the whole API.
/// </summary>
/// <param name="store">Where the dataset's content is.</param>
public sealed class DatasetPreviewer(DatasetStore store)
{
    // Loading tokenizer.json takes from milliseconds to a second (Llama 3's is 9 MB); keep each until it changes.
    private readonly ConcurrentDictionary<string, (DateTime WrittenAt, Tokenizer Tokenizer)> _tokenizers = new(StringComparer.Ordinal);

    /// <summary>The model's tokenizer; throws <see cref="FileNotFoundException"/> when its folder has none.</summary>
    public Tokenizer TokenizerOf(string modelFolder)
    {
        ArgumentNullException.ThrowIfNull(modelFolder);
        string file = Path.Combine(modelFolder, "tokenizer.json");
        if (!File.Exists(file))
        {
            throw new FileNotFoundException("the model folder has no tokenizer.json", file);
        }
        DateTime writtenAt = File.GetLastWriteTimeUtc(file);
        if (_tokenizers.TryGetValue(modelFolder, out (DateTime WrittenAt, Tokenizer Tokenizer) cached) && cached.WrittenAt == writtenAt)
        {
            return cached.Tokenizer;
        }
        Tokenizer tokenizer = Tokenizer.FromFolder(modelFolder);
        _tokenizers[modelFolder] = (writtenAt, tokenizer);
        return tokenizer;
    }

    /// <summary>The preview of <paramref name="dataset"/>'s first <paramref name="limit"/> examples.</summary>
    /// <param name="dataset">A dataset of the caller's tenant.</param>
    /// <param name="modelName">The model's name, as the response names it.</param>
    /// <param name="tokenizer">Its tokenizer (<see cref="TokenizerOf"/>).</param>
    /// <param name="template">The chat template, bound to <paramref name="tokenizer"/>.</param>
    /// <param name="limit">How many examples to render.</param>
    /// <param name="allTokens">Train on the prompt too, as a job's <c>all_tokens</c> does.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    public async Task<DatasetPreviewDto> PreviewAsync(
        Dataset dataset, string modelName, Tokenizer tokenizer, ChatTemplate template, int limit, bool allTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(modelName);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(template);
        var options = new DatasetReadOptions { Format = DatasetFormats.ParseOrAuto(dataset.Format) };
        DatasetReadResult read;
        await using (BlobReadStream content = store.OpenRead(dataset))
        {
            read = await DatasetReader.ReadAsync(content, options, cancellationToken);
        }

        var previews = new List<ExamplePreviewDto>();
        long tokens = 0, trained = 0;
        int counted = Math.Min(read.Examples.Count, DatasetPreviewDto.MaxCountedExamples);
        for (int i = 0; i < counted; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            TrainingExample example = read.Examples[i];
            (int[] ids, bool[] mask) = ExampleEncoder.Encode(example, tokenizer, template, allTokens);
            int trainedHere = mask.Count(m => m);
            tokens += ids.Length;
            trained += trainedHere;
            if (i < limit)
            {
                previews.Add(new ExamplePreviewDto(example.Line, example.RecordIndex, ids.Length, trainedHere, Segments(ids, mask, tokenizer)));
            }
        }
        return new DatasetPreviewDto(dataset.Id, modelName, template.Name, dataset.Format, dataset.RecordCount, read.ExampleCount, counted, tokens, trained, previews);
    }

    // Consecutive tokens with the same mask flag, decoded together so multi-token characters come out whole.
    private static List<PreviewSegmentDto> Segments(int[] ids, bool[] mask, Tokenizer tokenizer)
    {
        var segments = new List<PreviewSegmentDto>();
        int start = 0;
        for (int i = 1; i <= ids.Length; i++)
        {
            if (i == ids.Length || mask[i] != mask[start])
            {
                segments.Add(new PreviewSegmentDto(tokenizer.Decode(ids.AsSpan(start, i - start)), mask[start], i - start));
                start = i;
            }
        }
        return segments;
    }
}
