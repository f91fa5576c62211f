using System.Threading.Channels;
using FineTune.Contracts.Events;

namespace FineTune.Worker.Execution;

/// <summary>
/// The trainer's callbacks, run on the training thread: each posts a <see cref="TrainingMessage"/> and returns at once.
/// The channel is unbounded, so a slow database never stalls a training step.
/// </summary>
internal sealed class ChannelCallbacks : ITrainingCallbacks
{
    private readonly ChannelWriter<TrainingMessage> _writer;

    public ChannelCallbacks(ChannelWriter<TrainingMessage> writer)
    {
        _writer = writer;
    }

    public void OnStep(StepReport report)
    {
        _writer.TryWrite(new StepMessage(report));
    }

    public void OnEval(EvalReport report)
    {
        _writer.TryWrite(new EvalMessage(report));
    }

    // The final outputs (OnSave) need no message: the attempt uploads them once training has returned.
    public void OnCheckpoint(long step, string folder)
    {
        _writer.TryWrite(new CheckpointMessage(step, folder));
    }

    public void OnWarning(string message)
    {
        _writer.TryWrite(new WarningMessage(message));
    }
}
