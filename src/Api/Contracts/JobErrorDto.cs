namespace FineTune.Api.Contracts;

/// <summary>Why a job failed, as OpenAI's API reports it.</summary>
/// <param name="Code">A stable code, e.g. <c>training_failed</c> or <c>out_of_memory</c>.</param>
/// <param name="Message">What happened, for humans.</param>
/// <param name="Param">The job field at fault, if one is (e.g. <c>training_file</c>).</param>
public sealed record JobErrorDto(string Code, string Message, string? Param);
