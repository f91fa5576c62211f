using FineTune.Persistence.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTune.Persistence.Configurations;

internal sealed class ArtifactConfiguration : IEntityTypeConfiguration<Artifact>
{
    public void Configure(EntityTypeBuilder<Artifact> builder)
    {
        builder.ToTable("artifact");
        builder.HasKey(artifact => artifact.Id);
        builder.HasIndex(artifact => new { artifact.JobId, artifact.Name }).IsUnique();
        builder.HasOne<Tenant>().WithMany().HasForeignKey(artifact => artifact.TenantId);
        builder.HasOne<Job>().WithMany().HasForeignKey(artifact => artifact.JobId);
        builder.Property(artifact => artifact.CreatedAt).HasDefaultValueSql("now()");
    }
}
