using FineTune.Persistence.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTune.Persistence.Configurations;

internal sealed class DatasetConfiguration : IEntityTypeConfiguration<Dataset>
{
    public void Configure(EntityTypeBuilder<Dataset> builder)
    {
        builder.ToTable("dataset");
        builder.HasKey(dataset => dataset.Id);
        builder.HasOne<Tenant>().WithMany().HasForeignKey(dataset => dataset.TenantId);
        builder.Property(dataset => dataset.CreatedAt).HasDefaultValueSql("now()");
    }
}
