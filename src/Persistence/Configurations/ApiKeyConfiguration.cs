using FineTune.Persistence.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTune.Persistence.Configurations;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.ToTable("api_key");
        builder.HasKey(key => key.Id);
        builder.HasIndex(key => key.KeyHash).IsUnique();
        builder.HasOne<Tenant>().WithMany().HasForeignKey(key => key.TenantId);
        builder.Property(key => key.CreatedAt).HasDefaultValueSql("now()");
    }
}
