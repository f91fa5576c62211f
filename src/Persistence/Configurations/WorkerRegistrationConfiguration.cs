using FineTune.Persistence.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTune.Persistence.Configurations;

internal sealed class WorkerRegistrationConfiguration : IEntityTypeConfiguration<WorkerRegistration>
{
    public void Configure(EntityTypeBuilder<WorkerRegistration> builder)
    {
        builder.ToTable("worker");
        builder.HasKey(worker => worker.Id);
        builder.Property(worker => worker.Capabilities).HasColumnType("jsonb");
        builder.Property(worker => worker.StartedAt).HasDefaultValueSql("now()");
        builder.Property(worker => worker.HeartbeatAt).HasDefaultValueSql("now()");
    }
}
