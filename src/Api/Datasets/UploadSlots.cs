namespace FineTune.Api.Datasets;

/// <summary>
/// Counts each tenant's uploads in flight, so one tenant's slow clients cannot hold every staging slot of the
/// server: past <see cref="ApiOptions.MaxConcurrentUploadsPerTenant"/> an upload is refused at once (429).
/// </summary>
public sealed class UploadSlots
{
    private readonly Dictionary<Guid, int> _inFlight = [];

    /// <summary>Takes a slot of <paramref name="tenantId"/>; null when it already has <paramref name="max"/> uploads in flight.</summary>
    public IDisposable? TryEnter(Guid tenantId, int max)
    {
        lock (_inFlight)
        {
            int count = _inFlight.GetValueOrDefault(tenantId);
            if (count >= max)
            {
                return null;
            }
            _inFlight[tenantId] = count + 1;
        }
        return new Slot(this, tenantId);
    }

    /// <summary>How many uploads <paramref name="tenantId"/> has in flight now.</summary>
    public int InFlight(Guid tenantId)
    {
        lock (_inFlight)
        {
            return _inFlight.GetValueOrDefault(tenantId);
        }
    }

    private void Leave(Guid tenantId)
    {
        lock (_inFlight)
        {
            int count = _inFlight[tenantId] - 1;
            if (count == 0)
            {
                _inFlight.Remove(tenantId);
            }
            else
            {
                _inFlight[tenantId] = count;
            }
        }
    }

    private sealed class Slot(UploadSlots owner, Guid tenantId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Leave(tenantId);
            }
        }
    }
}
