namespace FineTune.Worker.Tests.Infrastructure;

/// <summary>
/// A queue clock that moves only when told: given to the queue it replaces the database's now(), so a test expires a
/// lease or skips a retry backoff without waiting. Timers still run on real time.
/// </summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    // Whole microseconds, as Postgres stores them.
    private long _ticks = TimeProvider.System.GetUtcNow().UtcTicks / 10 * 10;

    public override DateTimeOffset GetUtcNow()
    {
        return new DateTimeOffset(Interlocked.Read(ref _ticks), TimeSpan.Zero);
    }

    public void Advance(TimeSpan by)
    {
        Interlocked.Add(ref _ticks, by.Ticks);
    }
}
