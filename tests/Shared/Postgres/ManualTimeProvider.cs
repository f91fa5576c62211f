namespace FineTune.Testing;

/// <summary>
/// A clock that moves only when told. Handed to the queue, it replaces the database's now() in every queue statement,
/// so tests check backoff and lease expiry without waiting.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    // Postgres keeps microseconds; starting on a whole microsecond makes stored times compare equal to computed ones.
    private DateTimeOffset _now = new(TimeProvider.System.GetUtcNow().UtcTicks / 10 * 10, TimeSpan.Zero);

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        return _now;
    }

    /// <summary>Moves the clock forward.</summary>
    public void Advance(TimeSpan by)
    {
        _now += by;
    }
}
