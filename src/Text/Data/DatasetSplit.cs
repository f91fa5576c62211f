namespace FineTune.Text.Data;

/// <summary>A seeded train/validation split that keeps each entity (<see cref="TrainingExample.EntityKey"/>) on one side.</summary>
/// <param name="Train">The training examples, in their original order.</param>
/// <param name="Validation">The held-out examples, in their original order.</param>
public sealed record DatasetSplit(IReadOnlyList<TrainingExample> Train, IReadOnlyList<TrainingExample> Validation)
{
    // Guards the ceiling against products such as 0.7 * 100 = 70.00000000000001.
    private const double CeilingSlack = 1e-9;

    /// <summary>
    /// Splits the examples. The units are entities (examples sharing an <see cref="TrainingExample.EntityKey"/>) or
    /// single examples without one; ceil(fraction * units) of them are held out, at least one when the fraction is
    /// positive and at most all but one, so training always has data. The units are shuffled by Fisher-Yates driven
    /// by SplitMix64 rather than <see cref="Random"/>, whose seeded sequence is an implementation detail: the same
    /// seed gives the same split on every runtime and platform.
    /// </summary>
    /// <param name="examples">The examples to split.</param>
    /// <param name="validationFraction">The share of units to hold out, in [0, 1).</param>
    /// <param name="seed">The shuffle seed; record it with the run.</param>
    /// <returns>The split; both sides keep the examples' original order.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is outside [0, 1).</exception>
    public static DatasetSplit Split(IReadOnlyList<TrainingExample> examples, double validationFraction, long seed)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (!(validationFraction >= 0 && validationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(validationFraction), validationFraction, "The validation fraction must be in [0, 1).");
        }

        List<List<int>> units = GroupIntoUnits(examples);
        int heldOut = validationFraction == 0 || units.Count < 2
            ? 0
            : Math.Clamp((int)Math.Ceiling((validationFraction * units.Count) - CeilingSlack), 1, units.Count - 1);

        int[] order = [.. Enumerable.Range(0, units.Count)];
        ulong state = unchecked((ulong)seed);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = (int)Math.BigMul(NextSplitMix64(ref state), (ulong)(i + 1), out _);
            (order[i], order[j]) = (order[j], order[i]);
        }

        bool[] isValidation = new bool[examples.Count];
        foreach (int unit in order.Take(heldOut))
        {
            foreach (int example in units[unit])
            {
                isValidation[example] = true;
            }
        }

        var train = new List<TrainingExample>(examples.Count);
        var validation = new List<TrainingExample>();
        for (int i = 0; i < examples.Count; i++)
        {
            (isValidation[i] ? validation : train).Add(examples[i]);
        }

        return new DatasetSplit(train, validation);
    }

    private static List<List<int>> GroupIntoUnits(IReadOnlyList<TrainingExample> examples)
    {
        var units = new List<List<int>>();
        var unitByEntity = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < examples.Count; i++)
        {
            if (examples[i].EntityKey is not { } entity)
            {
                units.Add([i]);
            }
            else if (unitByEntity.TryGetValue(entity, out List<int>? unit))
            {
                unit.Add(i);
            }
            else
            {
                unitByEntity.Add(entity, [i]);
                units.Add(unitByEntity[entity]);
            }
        }

        return units;
    }

    // SplitMix64 (Steele, Lea and Flood 2014): a 64-bit state stepped by the golden-ratio increment, then mixed.
    private static ulong NextSplitMix64(ref ulong state)
    {
        unchecked
        {
            ulong z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
