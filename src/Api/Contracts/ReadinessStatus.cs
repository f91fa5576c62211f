namespace FineTune.Api.Contracts;

/// <summary>Body of <c>/readyz</c>.</summary>
/// <param name="Status"><c>ready</c>, or <c>not_ready</c> with a 503.</param>
/// <param name="Database">Whether the database answered.</param>
/// <param name="PendingMigrations">Migration versions not yet applied (empty when ready).</param>
public sealed record ReadinessStatus(string Status, bool Database, IReadOnlyList<int> PendingMigrations);
