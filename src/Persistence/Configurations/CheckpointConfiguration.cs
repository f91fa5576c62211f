using FineTune.Persistence.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTune.Persistence.Configurations;

internal sealed class CheckpointConfiguration : IEntityTypeConfiguration<Checkpoint>
{
    public void Configure(EntityTypeBuilder<Checkpoint> builder)
    {
        builder.ToTable("checkpoint");
        builder.HasKey(checkpoint => checkpoint.Id);
        builder.HasIndex(checkpoint => new { checkpoint.JobId, checkpoint.Step }).IsUnique();
        builder.HasOne<Job>().WithMany().HasForeignKey(checkpoint => checkpoint.JobId);
        builder.HasOne<Artifact>().WithMany().HasForeignKey(checkpoint => checkpoint.ArtifactId);
        builder.Property(checkpoint => checkpoint.State).HasColumnType("jsonb");
        builder.Property(checkpoint => checkpoint.CreatedAt).HasDefaultValueSql("now()");
    }
}
