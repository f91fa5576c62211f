using FineTune.Persistence.Entities;

namespace FineTune.Api.Submission;

/// <summary>The result of <see cref="JobSubmitter.SubmitAsync"/>.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Job">The created or replayed job.</param>
/// <param name="Errors">Problems by dotted field path, when the spec is invalid.</param>
public sealed record JobSubmission(JobSubmissionOutcome Outcome, Job? Job, IDictionary<string, string[]>? Errors)
{
    /// <summary>The live workers the submission was checked against (for the job's warnings); set when created.</summary>
    public LiveWorkers? Workers { get; init; }
}
