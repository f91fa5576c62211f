using FineTune.Persistence.Queue;

namespace FineTune.Persistence.Tests;

public sealed class RetryPolicyTests
{
    [Fact]
    public void NominalDelay_SuccessiveAttempts_DoubleFromTheBase()
    {
        var policy = new RetryPolicy(TimeSpan.FromSeconds(15), TimeSpan.FromHours(1));

        TimeSpan[] delays = Enumerable.Range(1, 5).Select(policy.NominalDelay).ToArray();

        Assert.Equal(new[] { 15, 30, 60, 120, 240 }.Select(seconds => TimeSpan.FromSeconds(seconds)), delays);
    }

    [Fact]
    public void NominalDelay_ManyAttempts_StaysAtTheCap()
    {
        var policy = new RetryPolicy(TimeSpan.FromSeconds(15), TimeSpan.FromMinutes(30));

        Assert.Equal(TimeSpan.FromMinutes(30), policy.NominalDelay(9));
        Assert.Equal(TimeSpan.FromMinutes(30), policy.NominalDelay(1000));
    }

    [Fact]
    public void NextDelay_ManyDraws_StayWithinTheJitterBandAndSpreadAcrossIt()
    {
        var policy = new RetryPolicy(TimeSpan.FromSeconds(10), TimeSpan.FromHours(1), jitterFraction: 0.2, random: new Random(42));

        TimeSpan[] draws = Enumerable.Range(0, 1000).Select(_ => policy.NextDelay(3)).ToArray();

        Assert.All(draws, delay => Assert.InRange(delay, TimeSpan.FromSeconds(32), TimeSpan.FromSeconds(48)));
        Assert.True(draws.Min() < TimeSpan.FromSeconds(34) && draws.Max() > TimeSpan.FromSeconds(46), "jitter did not cover its band");
    }

    [Fact]
    public void NextDelay_SameSeed_IsReproducible()
    {
        var first = new RetryPolicy(random: new Random(7));
        var second = new RetryPolicy(random: new Random(7));

        Assert.Equal(first.NextDelay(2), second.NextDelay(2));
    }

    [Fact]
    public void Constructor_CapBelowBase_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1)));
    }
}
