using FineTune.Contracts.Configs;
using FineTune.Training.Privacy.Audit;

namespace FineTune.Training.Tests.Privacy.Audit;

public sealed class CanarySetTests
{
    private static readonly AuditConfig s_audit = new() { Canaries = 400, CanaryLength = 12 };

    [Fact]
    public void SameKey_RegeneratesTheSameCanariesAndCoins()
    {
        byte[] key = CanarySet.NewKey();

        CanarySet first = CanarySet.Create(key, s_audit, 2048);
        CanarySet again = CanarySet.Create((byte[])key.Clone(), s_audit, 2048);

        Assert.Equal(first.Included, again.Included);
        Assert.Equal(first.Canaries.Select(c => c.InputIds), again.Canaries.Select(c => c.InputIds));
    }

    [Fact]
    public void FreshKeys_DrawOtherCanaries_FairCoins_AndIdsAcrossTheVocabulary()
    {
        CanarySet first = CanarySet.Create(CanarySet.NewKey(), s_audit, 2048);
        CanarySet second = CanarySet.Create(CanarySet.NewKey(), s_audit, 2048);

        Assert.NotEqual(first.Canaries[0].InputIds, second.Canaries[0].InputIds);
        Assert.NotEqual(first.Included, second.Included);
        // 400 fair coins: the count of heads lies within 200 ± 5 standard deviations (10) but for 1 in 10^6.
        Assert.InRange(first.Included.Count(c => c), 150, 250);
        int[] ids = first.Canaries.SelectMany(c => c.InputIds).ToArray();
        Assert.All(ids, id => Assert.InRange(id, 0, 2047));
        // 4800 uniform draws from 2048 ids: the low and the high half each get about half.
        Assert.InRange(ids.Count(id => id < 1024), 2100, 2700);
        Assert.All(first.Canaries, c =>
        {
            Assert.True(c.IsCanary);
            Assert.Equal(12, c.InputIds.Length);
            Assert.Equal([false, .. Enumerable.Repeat(true, 11)], c.LossMask);
        });
        Assert.Equal(first.Included.Count(c => c), first.Trained.Count());
    }

    [Fact]
    public void KeyOfTheWrongSize_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => CanarySet.Create(new byte[16], s_audit, 2048));
    }
}
