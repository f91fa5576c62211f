using FineTune.Contracts.Events;
using FineTune.Privacy;
using FineTune.Training.Privacy.Audit;

namespace FineTune.Training.Tests.Privacy.Audit;

public sealed class MembershipGuessTests
{
    [Fact]
    public void GuessCounts_AreTheFixedEvenShares_OfTheCanaries()
    {
        Assert.Equal([100, 250, 500, 1000], MembershipGuess.GuessCounts(1000));
        Assert.Equal([6, 16, 32, 64], MembershipGuess.GuessCounts(64));
        Assert.Equal([2], MembershipGuess.GuessCounts(2));
        Assert.Equal([2, 4], MembershipGuess.GuessCounts(5));
    }

    [Fact]
    public void PerfectlySeparatedScores_GiveTheBoundOfAllGuessesRight_AtTheBonferroniShareOfBeta()
    {
        bool[] included = Enumerable.Range(0, 64).Select(i => i % 2 == 0).ToArray();
        double[] scores = included.Select((trained, i) => trained ? 10.0 + i : -i).ToArray();

        AuditReport report = MembershipGuess.Evaluate(scores, included, 8);

        // With every guess right the largest k proves the most.
        Assert.Equal((64, 64), (report.Guesses, report.Correct));
        Assert.Equal(AuditBound.EpsilonLowerBound(64, 64, 0.05 / 4), report.EpsilonLowerBound, 12);
        Assert.True(report.EpsilonLowerBound > 2.5, $"bound {report.EpsilonLowerBound}");
        Assert.Equal(0.95, report.Confidence);
        Assert.Equal("loss_drop", report.Score);
    }

    [Fact]
    public void ScoresThatIgnoreTheCoins_ProveNothing()
    {
        // Alternating coins and descending scores: every guess set is half right.
        bool[] included = Enumerable.Range(0, 200).Select(i => i % 2 == 0).ToArray();
        double[] scores = Enumerable.Range(0, 200).Select(i => -(double)i).ToArray();

        AuditReport report = MembershipGuess.Evaluate(scores, included, 8);

        Assert.Equal(0, report.EpsilonLowerBound);
    }

    [Fact]
    public void OnlyTheExtremesSeparated_AreBestGuessedWithFewGuesses()
    {
        // The 10 highest scores are trained canaries and the 10 lowest are not; the middle is noise.
        var random = new Random(3);
        bool[] included = new bool[200];
        double[] scores = new double[200];
        for (int i = 0; i < 200; i++)
        {
            included[i] = random.Next(2) == 1;
            scores[i] = random.NextDouble();
        }
        for (int i = 0; i < 20; i++)
        {
            included[i] = i < 10;
            scores[i] = i < 10 ? 5 + i : -5 - i;
        }

        AuditReport report = MembershipGuess.Evaluate(scores, included, 8);

        Assert.Equal(20, report.Guesses);
        Assert.Equal(20, report.Correct);
    }
}
