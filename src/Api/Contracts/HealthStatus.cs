namespace FineTune.Api.Contracts;

/// <summary>Body of <c>/healthz</c>.</summary>
/// <param name="Status">Always "ok" while the process serves requests.</param>
public sealed record HealthStatus(string Status);
