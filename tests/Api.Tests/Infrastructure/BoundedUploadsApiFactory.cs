namespace FineTune.Api.Tests.Infrastructure;

/// <summary>The real-socket host of <see cref="KestrelApiFactory"/> with a bound of two uploads in flight per tenant.</summary>
public sealed class BoundedUploadsApiFactory : KestrelApiFactory
{
    /// <inheritdoc />
    public override int MaxConcurrentUploads => 2;
}
