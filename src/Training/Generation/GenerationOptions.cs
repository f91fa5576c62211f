namespace FineTune.Training.Generation;

/// <summary>How to continue a prompt.</summary>
public sealed record GenerationOptions
{
    /// <summary>Most tokens to generate (stops earlier at an end-of-sequence token).</summary>
    public int MaxNewTokens { get; init; } = 128;

    /// <summary>Always pick the most likely token (ignores temperature, top-k and top-p).</summary>
    public bool Greedy { get; init; }

    /// <summary>Softmax temperature; 1 samples from the model's distribution.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens (0 = all).</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of tokens whose probability reaches p (1 = all).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Seed of the sampling generator, so a run can be repeated.</summary>
    public long Seed { get; init; }

    /// <summary>Token ids that end generation (the model's EOS ids by default).</summary>
    public IReadOnlyList<int>? StopTokenIds { get; init; }

    /// <summary>Feed one token per step through a KV cache (true) or recompute the whole sequence each step.</summary>
    public bool UseKvCache { get; init; } = true;

    /// <summary>Throws ArgumentOutOfRangeException naming the first invalid option.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxNewTokens, nameof(MaxNewTokens));
        ArgumentOutOfRangeException.ThrowIfNegative(TopK, nameof(TopK));
        if (!Greedy)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Temperature, nameof(Temperature));
        }
        if (TopP <= 0 || TopP > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "top-p must be in (0, 1]");
        }
    }
}
