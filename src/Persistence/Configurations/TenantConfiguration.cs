using FineTune.Persistence.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTune.Persistence.Configurations;

internal sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> builder)
    {
        builder.ToTable("tenant");
        builder.HasKey(tenant => tenant.Id);
        builder.HasIndex(tenant => tenant.Name).IsUnique();
        builder.Property(tenant => tenant.CreatedAt).HasDefaultValueSql("now()");
    }
}
