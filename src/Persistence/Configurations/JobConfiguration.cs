using FineTune.Persistence.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTune.Persistence.Configurations;

internal sealed class JobConfiguration : IEntityTypeConfiguration<Job>
{
    public void Configure(EntityTypeBuilder<Job> builder)
    {
        builder.ToTable("job");
        builder.HasKey(job => job.Id);
        builder.HasOne<Tenant>().WithMany().HasForeignKey(job => job.TenantId);
        builder.HasOne<Dataset>().WithMany().HasForeignKey(job => job.DatasetId);
        builder.Property(job => job.State).HasColumnType(FineTuneDataSource.JobStateTypeName);
        builder.Property(job => job.Spec).HasColumnType("jsonb");
        builder.Property(job => job.Progress).HasColumnType("jsonb");
        builder.Property(job => job.Result).HasColumnType("jsonb");
        builder.Property(job => job.Errors).HasColumnType("jsonb");
        builder.Property(job => job.CreatedAt).HasDefaultValueSql("now()");
    }
}
