using FineTune.Contracts.Events;
using FineTune.Privacy;

namespace FineTune.Training.Privacy.Audit;

/// <summary>
/// The auditor's side of a one-run audit (Steinke, Nasr and Jagielski 2023): rank the canaries by score (higher: more
/// likely trained on), guess "included" for the k+ highest and "excluded" for the k- lowest, abstain on the rest, and
/// turn the right guesses into an ε lower bound with <see cref="AuditBound.EpsilonLowerBound"/>.
/// </summary>
/// <remarks>
/// k is not tuned on the outcome: it is the best of a fixed set (m/10, m/4, m/2 and m, k+ = k- = k/2), and each is
/// tested at β / (number of k) so that, by the union bound (Bonferroni), the bound reported holds at 1 - β overall.
/// Small k wins when only the extreme canaries are told apart (DP on), large k when nearly all are (no DP).
/// </remarks>
internal static class MembershipGuess
{
    /// <summary>1 - confidence of the bound reported.</summary>
    public const double Beta = 0.05;

    /// <summary>The guess counts tried for m canaries: even, at least 2, at most m, without repeats.</summary>
    public static IReadOnlyList<int> GuessCounts(int canaries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(canaries, 2);
        return new[] { canaries / 10, canaries / 4, canaries / 2, canaries }
            .Select(k => Math.Max(2, k - (k % 2)))
            .Distinct()
            .ToList();
    }

    /// <summary>The audit's result for canary scores and their coins (both indexed by canary).</summary>
    public static AuditReport Evaluate(IReadOnlyList<double> scores, IReadOnlyList<bool> included, int canaryLength)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(included);
        if (scores.Count != included.Count)
        {
            throw new ArgumentException($"{scores.Count} scores for {included.Count} canaries", nameof(scores));
        }
        // Highest score first; a score that is not a number (a diverged loss) ranks as the least informative, last.
        int[] ranked = Enumerable.Range(0, scores.Count)
            .OrderByDescending(i => double.IsNaN(scores[i]) ? double.NegativeInfinity : scores[i])
            .ToArray();
        IReadOnlyList<int> counts = GuessCounts(scores.Count);
        double betaEach = Beta / counts.Count;
        (int Guesses, int Correct, double Bound) best = (counts[0], 0, -1);
        foreach (int k in counts)
        {
            int positives = k / 2;
            int negatives = k - positives;
            int correct = ranked.Take(positives).Count(i => included[i]) + ranked.TakeLast(negatives).Count(i => !included[i]);
            double bound = AuditBound.EpsilonLowerBound(k, correct, betaEach);
            if (bound > best.Bound)
            {
                best = (k, correct, bound);
            }
        }
        return new AuditReport(scores.Count, canaryLength, best.Guesses, best.Correct, best.Bound, 1 - Beta, counts);
    }
}
