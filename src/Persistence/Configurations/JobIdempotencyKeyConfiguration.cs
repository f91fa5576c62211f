using FineTune.Persistence.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTune.Persistence.Configurations;

internal sealed class JobIdempotencyKeyConfiguration : IEntityTypeConfiguration<JobIdempotencyKey>
{
    public void Configure(EntityTypeBuilder<JobIdempotencyKey> builder)
    {
        builder.ToTable("job_idempotency_key");
        builder.HasKey(key => new { key.TenantId, key.IdempotencyKey });
        builder.HasOne<Tenant>().WithMany().HasForeignKey(key => key.TenantId);
        builder.HasOne<Job>().WithMany().HasForeignKey(key => key.JobId);
        builder.Property(key => key.CreatedAt).HasDefaultValueSql("now()");
    }
}
