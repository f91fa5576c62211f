namespace FineTune.Contracts.Configs;

/// <summary>
/// How the trainer holds the output head's logits: whole (B·T × V through autograd) or a chunk of tokens at a time
/// (FineTune.Training's <c>ChunkedCrossEntropy</c>). One rule, read by the trainer that chunks, the benchmark that
/// reports it and <see cref="Backends.MemoryEstimate"/> that counts its memory, so the three cannot disagree.
/// </summary>
public static class LossChunking
{
    /// <summary>
    /// Logit elements per chunk when the config leaves the chunk size to us: 2²⁵ fp32 values (128 MiB, plus the
    /// softmax and one-hot temporaries of the same shape), e.g. 1,024 tokens at a 32k vocabulary, 256 at 128k.
    /// </summary>
    public const long DefaultChunkElements = 1L << 25;

    /// <summary>
    /// Tokens per loss chunk for <see cref="TrainingConfig.LossChunkTokens"/> = <paramref name="configuredTokens"/>,
    /// or 0 for whole logits: 0 configured means whole; unset means whole on the CPU, where chunks measured slower
    /// (qwen2.5-0.5b shape, B=2, L=512: 19.9 vs 22.0 tokens/s, peak 9,971 vs 10,903 MiB), and elsewhere as many tokens
    /// as <see cref="DefaultChunkElements"/> allows, since there the logits' memory is what limits the batch.
    /// </summary>
    public static long ChunkRows(int? configuredTokens, long vocabularySize, bool onCpu)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabularySize);
        return configuredTokens switch
        {
            0 => 0,
            null when onCpu => 0,
            > 0 => configuredTokens.Value,
            _ => Math.Max(1, DefaultChunkElements / vocabularySize),
        };
    }
}
