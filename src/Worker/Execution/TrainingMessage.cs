using FineTune.Contracts.Events;

namespace FineTune.Worker.Execution;

/// <summary>
/// What the training thread tells the job's async side, through a <c>Channel</c>: plain values only, never tensors
/// (STYLE.md section 4 and section 7 rule 5).
/// </summary>
internal abstract record TrainingMessage;

/// <summary>An optimizer step finished.</summary>
internal sealed record StepMessage(StepReport Report) : TrainingMessage;

/// <summary>A validation loss was measured.</summary>
internal sealed record EvalMessage(EvalReport Report) : TrainingMessage;

/// <summary>The trainer finished the checkpoint of <paramref name="Step"/> in <paramref name="Folder"/>.</summary>
internal sealed record CheckpointMessage(long Step, string Folder) : TrainingMessage;

/// <summary>Something the user should know that did not stop the run; it becomes a <c>log</c> event at level warning.</summary>
internal sealed record WarningMessage(string Message) : TrainingMessage;
