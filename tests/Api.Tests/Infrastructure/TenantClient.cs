namespace FineTune.Api.Tests.Infrastructure;

/// <summary>A tenant of a test, its API key, and a client that authenticates as it.</summary>
public sealed record TenantClient(Guid TenantId, string ApiKey, HttpClient Http) : IDisposable
{
    public void Dispose() => Http.Dispose();
}
