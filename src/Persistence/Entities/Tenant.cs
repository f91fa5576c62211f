namespace FineTune.Persistence.Entities;

/// <summary>An isolated customer of the service: every dataset, job and key belongs to exactly one tenant.</summary>
public sealed class Tenant
{
    /// <summary>The tenant's ID.</summary>
    public Guid Id { get; set; }

    /// <summary>A unique display name.</summary>
    public required string Name { get; set; }

    /// <summary>When the tenant was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}
