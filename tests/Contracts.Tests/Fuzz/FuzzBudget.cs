namespace FineTune.Contracts.Tests.Fuzz;

/// <summary>
/// How long each property runs: a fixed number of generated cases, so CI time stays at a few seconds per property on
/// two cores. <c>FINETUNE_FUZZ_ITER</c> raises it for a longer local run; CsCheck prints the seed of any failure, and
/// <c>FINETUNE_FUZZ_SEED</c> replays it.
/// </summary>
internal static class FuzzBudget
{
    public static long Iterations(long ciDefault)
    {
        return long.TryParse(Environment.GetEnvironmentVariable("FINETUNE_FUZZ_ITER"), out long iterations) && iterations > 0
            ? iterations
            : ciDefault;
    }

    public static string? Seed => Environment.GetEnvironmentVariable("FINETUNE_FUZZ_SEED") is { Length: > 0 } seed ? seed : null;
}
