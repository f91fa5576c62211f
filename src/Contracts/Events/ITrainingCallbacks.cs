namespace FineTune.Contracts.Events;

/// <summary>Hooks the trainer calls on its thread; each defaults to doing nothing. Values only, never tensors.</summary>
public interface ITrainingCallbacks
{
    /// <summary>After every optimizer step.</summary>
    public void OnStep(StepReport report)
    {
    }

    /// <summary>After every evaluation on the validation split.</summary>
    public void OnEval(EvalReport report)
    {
    }

    /// <summary>
    /// After the checkpoint of <paramref name="step"/> is complete in <paramref name="folder"/>; the trainer never
    /// touches the folder again, so the receiver may archive, move or delete it.
    /// </summary>
    /// <param name="step">The optimizer steps the checkpoint holds (a resumed run continues with the next one).</param>
    /// <param name="folder">The checkpoint's folder.</param>
    public void OnCheckpoint(long step, string folder)
    {
    }

    /// <summary>After the final adapter (or, when asked for, the merged model) is written to <paramref name="path"/>.</summary>
    public void OnSave(string path)
    {
    }

    /// <summary>
    /// Something the user should know that does not stop the run, e.g. examples left out because truncation cut away
    /// every token they would train on.
    /// </summary>
    public void OnWarning(string message)
    {
    }

    /// <summary>When the run ends normally (finished or cancelled).</summary>
    public void OnComplete(TrainingResult result)
    {
    }

    /// <summary>When the run fails; the exception is rethrown afterwards.</summary>
    public void OnError(Exception error)
    {
    }
}
