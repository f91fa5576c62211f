namespace FineTune.Contracts.Jobs;

/// <summary>A problem with one field of a job spec.</summary>
/// <param name="Field">Dotted path of the field, e.g. <c>hyperparameters.batch_size</c>.</param>
/// <param name="Message">What is wrong with it.</param>
public sealed record JobSpecError(string Field, string Message);
