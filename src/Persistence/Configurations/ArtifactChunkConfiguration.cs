using FineTune.Persistence.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTune.Persistence.Configurations;

internal sealed class ArtifactChunkConfiguration : IEntityTypeConfiguration<ArtifactChunk>
{
    public void Configure(EntityTypeBuilder<ArtifactChunk> builder)
    {
        builder.ToTable("artifact_chunk");
        builder.HasKey(chunk => new { chunk.ArtifactId, chunk.Seq });
        builder.HasOne<Artifact>().WithMany().HasForeignKey(chunk => chunk.ArtifactId);
    }
}
