using FineTune.Persistence.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTune.Persistence.Configurations;

internal sealed class JobEventConfiguration : IEntityTypeConfiguration<JobEvent>
{
    public void Configure(EntityTypeBuilder<JobEvent> builder)
    {
        builder.ToTable("job_event");
        builder.HasKey(jobEvent => new { jobEvent.JobId, jobEvent.Seq });
        builder.HasOne<Job>().WithMany().HasForeignKey(jobEvent => jobEvent.JobId);
        builder.Property(jobEvent => jobEvent.Payload).HasColumnType("jsonb");
        builder.Property(jobEvent => jobEvent.CreatedAt).HasDefaultValueSql("now()");
    }
}
