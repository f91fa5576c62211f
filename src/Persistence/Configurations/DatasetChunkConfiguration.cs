using FineTune.Persistence.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTune.Persistence.Configurations;

internal sealed class DatasetChunkConfiguration : IEntityTypeConfiguration<DatasetChunk>
{
    public void Configure(EntityTypeBuilder<DatasetChunk> builder)
    {
        builder.ToTable("dataset_chunk");
        builder.HasKey(chunk => new { chunk.DatasetId, chunk.Seq });
        builder.HasOne<Dataset>().WithMany().HasForeignKey(chunk => chunk.DatasetId);
    }
}
